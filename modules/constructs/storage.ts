import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket/index.js";
import { S3BucketCorsConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-cors-configuration/index.js";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification/index.js";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy/index.js";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js";
import { Fn, Op, ref, Token } from "cdktf";
import { Construct } from "constructs";
import { PREFIXES } from "../../handlers/contracts/bucket-layout.js";
import { policyJson } from "./iam.js";

export interface StorageProps {
  /** Prefix of the bucket name (a unique suffix is added). Default "hyperframes". */
  readonly namePrefix?: string;
  /** Use this bucket instead of creating one ("" or undefined: create). May be a Terraform variable. */
  readonly existingBucketName?: string;
  /** Let `terraform destroy` delete a non-empty bucket. Default false. */
  readonly forceDestroy?: boolean;
  /** KMS key ARN for SSE-KMS; "" or undefined: SSE-S3 (AES256). */
  readonly kmsKeyArn?: string;
  /** Origins allowed to upload from a browser (presigned PUT/POST). Default [] (no CORS rule). */
  readonly corsAllowedOrigins?: string[];
  /** Days before uploads/ originals expire; 0 keeps them. Default 0. */
  readonly originalRetentionDays?: number;
  /** Days before renders/ intermediates (plans, chunks) expire. Default 7. */
  readonly renderIntermediateRetentionDays?: number;
  /** Days before incomplete multipart uploads are aborted. Default 2. */
  readonly abortIncompleteMultipartDays?: number;
  readonly tags?: Record<string, string>;
}

export const STORAGE_DEFAULTS = {
  namePrefix: "hyperframes",
  forceDestroy: false,
  originalRetentionDays: 0,
  renderIntermediateRetentionDays: 7,
  abortIncompleteMultipartDays: 2,
} as const;

/**
 * The one bucket (layout: handlers/contracts/bucket-layout.ts): public access blocked, encrypted,
 * TLS-only, lifecycle rules, CORS for browser uploads, EventBridge notifications on (the media trigger).
 * With `existingBucketName`, the bucket and its configuration are not created (the owner keeps
 * encryption, policy and lifecycle); only EventBridge notifications are turned on.
 */
export class Storage extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);
    const namePrefix = props.namePrefix ?? STORAGE_DEFAULTS.namePrefix;
    const tags = props.tags ?? {};
    // count = 1 when creating the bucket. A literal undefined needs no count at all.
    const existing = props.existingBucketName;
    const createCount =
      existing === undefined ? undefined : Fn.conditional(Op.lt(Fn.lengthOf(existing), 1), 1, 0);
    const withCount = createCount === undefined ? {} : { count: createCount as unknown as number };

    this.bucket = new S3Bucket(this, "bucket", {
      bucketPrefix: `${namePrefix}-`.slice(0, 37),
      forceDestroy: props.forceDestroy ?? STORAGE_DEFAULTS.forceDestroy,
      tags,
      ...withCount,
    });
    this.bucketName =
      createCount === undefined
        ? this.bucket.id
        : Fn.conditional(
            Op.lt(Fn.lengthOf(existing ?? ""), 1),
            Fn.one(ref(`${this.bucket.terraformResourceType}.${this.bucket.friendlyUniqueId}[*].id`)),
            existing ?? "",
          );
    // An existing bucket is named, not created: its ARN is built (aws partition).
    this.bucketArn = createCount === undefined ? this.bucket.arn : `arn:aws:s3:::${this.bucketName}`;

    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucketName,
      rule: { objectOwnership: "BucketOwnerEnforced" },
      ...withCount,
    });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucketName,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
      ...withCount,
    });
    const kms = props.kmsKeyArn ?? "";
    const useKms = Op.gte(Fn.lengthOf(kms), 1);
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucketName,
      rule: [
        {
          applyServerSideEncryptionByDefault:
            kms === ""
              ? { sseAlgorithm: "AES256" }
              : {
                  sseAlgorithm: Fn.conditional(useKms, "aws:kms", "AES256"),
                  kmsMasterKeyId: Fn.conditional(useKms, kms, Token.nullValue()),
                },
          bucketKeyEnabled: kms === "" ? false : useKms,
        },
      ],
      ...withCount,
    });
    new S3BucketPolicy(this, "tls-only", {
      bucket: this.bucketName,
      policy: policyJson([
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: { AWS: "*" },
          // A Deny on every action is AWS's recommended TLS-only form; no Allow anywhere uses s3:*.
          Action: ["s3:*"],
          Resource: [this.bucketArn, `${this.bucketArn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]),
      ...withCount,
    });

    const retentionDays = props.originalRetentionDays ?? STORAGE_DEFAULTS.originalRetentionDays;
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucketName,
      rule: [
        {
          id: "expire-render-intermediates",
          status: "Enabled",
          filter: [{ prefix: PREFIXES.renders }],
          expiration: [
            {
              days: props.renderIntermediateRetentionDays ?? STORAGE_DEFAULTS.renderIntermediateRetentionDays,
            },
          ],
        },
        {
          id: "abort-incomplete-multipart-uploads",
          status: "Enabled",
          filter: [{ prefix: "" }],
          abortIncompleteMultipartUpload: [
            {
              daysAfterInitiation:
                props.abortIncompleteMultipartDays ?? STORAGE_DEFAULTS.abortIncompleteMultipartDays,
            },
          ],
        },
        {
          // 0 keeps originals: the rule stays in place, disabled (S3 needs days >= 1).
          id: "expire-originals",
          status: Fn.conditional(Op.gte(retentionDays, 1), "Enabled", "Disabled"),
          filter: [{ prefix: PREFIXES.uploads }],
          expiration: [{ days: Fn.max([retentionDays, 1]) }],
        },
      ],
      ...withCount,
    });

    const origins = props.corsAllowedOrigins ?? [];
    new S3BucketCorsConfiguration(this, "cors", {
      bucket: this.bucketName,
      corsRule: [
        {
          allowedMethods: ["GET", "PUT", "POST", "HEAD"],
          allowedOrigins: origins,
          allowedHeaders: ["*"],
          exposeHeaders: ["ETag"],
          maxAgeSeconds: 3600,
        },
      ],
      count: (createCount === undefined
        ? Fn.conditional(Op.gte(Fn.lengthOf(origins), 1), 1, 0)
        : Fn.conditional(
            Op.and(Op.lt(Fn.lengthOf(existing ?? ""), 1), Op.gte(Fn.lengthOf(origins), 1)),
            1,
            0,
          )) as unknown as number,
    });

    // The media trigger: S3 sends every object event to EventBridge; a rule picks uploads/.
    new S3BucketNotification(this, "eventbridge", { bucket: this.bucketName, eventbridge: true });
  }
}
