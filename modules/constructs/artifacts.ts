import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket/index.js";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy/index.js";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object/index.js";
import { Construct } from "constructs";
import { policyJson } from "./iam.js";

/** A Lambda zip to upload: where Terraform finds it and its digests (from modules/packaging). */
export interface LambdaZipAsset {
  /** Path Terraform reads, e.g. `${path.module}/assets/render.zip`. */
  readonly source: string;
  /** hex SHA-256 of the zip (the object key includes it, so new code is a new object). */
  readonly sha256: string;
  /** base64 SHA-256 of the zip: the function's `source_code_hash`. */
  readonly sourceCodeHash: string;
}

/** Where a function's code lives in S3. */
export interface LambdaCodeLocation {
  readonly bucket: string;
  readonly key: string;
  readonly sourceCodeHash: string;
}

/**
 * A private bucket for the Lambda zips (they exceed the 50 MB direct upload limit). Separate from the
 * data bucket on purpose: the data bucket may be the user's own (existing_bucket_name), has lifecycle
 * rules and an EventBridge trigger that must never see deployment artifacts, and the operator policy
 * grants access to it; the artifacts bucket is only read by Lambda at deploy time and can always be
 * destroyed (its content is rebuilt from source).
 */
export class ArtifactsBucket extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: { namePrefix: string; tags: Record<string, string> }) {
    super(scope, id);
    this.bucket = new S3Bucket(this, "bucket", {
      bucketPrefix: `${props.namePrefix}-artifacts-`.slice(0, 37),
      forceDestroy: true,
      tags: props.tags,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new S3BucketPolicy(this, "tls-only", {
      bucket: this.bucket.id,
      policy: policyJson([
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: ["s3:*"],
          Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]),
    });
  }

  /** Uploads one zip under `lambda/<name>-<sha256 prefix>.zip`. */
  addZip(name: string, zip: LambdaZipAsset): LambdaCodeLocation {
    const object = new S3Object(this, `zip-${name}`, {
      bucket: this.bucket.id,
      key: `lambda/${name}-${zip.sha256.slice(0, 16)}.zip`,
      source: zip.source,
      sourceHash: zip.sha256,
      contentType: "application/zip",
    });
    return { bucket: this.bucket.id, key: object.key, sourceCodeHash: zip.sourceCodeHash };
  }
}
