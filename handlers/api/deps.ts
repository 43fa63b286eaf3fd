import type { GetObjectCommand, PutObjectCommand, S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import type { SFNClient } from "@aws-sdk/client-sfn";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { ApiConfig } from "./config.js";

/** Presigns one S3 request for `expiresIn` seconds (default: @aws-sdk/s3-request-presigner). */
export type Presigner = (
  command: GetObjectCommand | PutObjectCommand | UploadPartCommand,
  expiresIn: number,
) => Promise<string>;

/** Everything the api handler touches outside itself; tests replace the SDK clients only. */
export interface ApiDeps {
  readonly config: ApiConfig;
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  /** Created on first use (AWS token mode only). */
  readonly ssm: () => SSMClient;
  readonly presign: Presigner;
  readonly now: () => Date;
  /** Diagnostics (CloudWatch in AWS). */
  readonly log: (message: string, fields?: Record<string, unknown>) => void;
}
