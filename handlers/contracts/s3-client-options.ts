import type { S3ClientConfig } from "@aws-sdk/client-s3";

/**
 * S3 client settings every part uses, in AWS and locally. Checksums only when required: the SDK's
 * default corrupts streamed uploads on the local S3 server and puts an empty-body checksum into
 * presigned PUT URLs that browsers then fail.
 */
export function s3ClientOptions(overrides: S3ClientConfig = {}): S3ClientConfig {
  return {
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...overrides,
  };
}
