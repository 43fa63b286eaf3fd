import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group/index.js";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function/index.js";
import { Construct } from "constructs";
import type { LambdaCodeLocation } from "./artifacts.js";
import { ServiceRole } from "./iam.js";

export interface FunctionSettings {
  /** MB, 128-10240. */
  readonly memoryMb: number;
  /** Seconds, 1-900. */
  readonly timeoutSeconds: number;
  /** /tmp size in MB, 512-10240. */
  readonly ephemeralStorageMb: number;
  /** Reserved concurrency; -1 leaves the function unreserved. */
  readonly reservedConcurrency: number;
  /** CloudWatch Logs retention in days. */
  readonly logRetentionDays: number;
  /** Extra layers (e.g. your own ffmpeg or Chromium build). */
  readonly layerArns: string[];
}

export interface HyperframesFunctionProps extends FunctionSettings {
  readonly namePrefix: string;
  /** "render", "media" or "api": also the last segment of the function name (the local cloud's convention). */
  readonly name: string;
  readonly code: LambdaCodeLocation;
  readonly environment: Record<string, string>;
  readonly tags: Record<string, string>;
  readonly description: string;
}

/**
 * One Lambda function: x86_64 only (the bundled Chromium and ffmpeg are x86-64 builds), Node 22,
 * code from S3, X-Ray active tracing, its own log group with retention, and a role whose policies the
 * pipeline adds (`role.allow`). The role can write only to its own log group.
 */
export class HyperframesFunction extends Construct {
  readonly fn: LambdaFunction;
  readonly role: ServiceRole;
  readonly functionName: string;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: HyperframesFunctionProps) {
    super(scope, id);
    this.functionName = `${props.namePrefix}-${props.name}`;
    this.role = new ServiceRole(this, "role", {
      namePrefix: this.functionName,
      service: "lambda.amazonaws.com",
      tags: props.tags,
    });
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/lambda/${this.functionName}`,
      retentionInDays: props.logRetentionDays,
      tags: props.tags,
    });
    this.role.allow("logs", [
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`${this.logGroup.arn}:*`],
      },
    ]);
    this.role.allow("xray", [
      // X-Ray trace APIs have no resource-level permissions: "*" is the only valid resource.
      { Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
    ]);
    this.fn = new LambdaFunction(this, "function", {
      functionName: this.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: "nodejs22.x",
      architectures: ["x86_64"],
      handler: "index.handler",
      s3Bucket: props.code.bucket,
      s3Key: props.code.key,
      sourceCodeHash: props.code.sourceCodeHash,
      memorySize: props.memoryMb,
      timeout: props.timeoutSeconds,
      ephemeralStorage: { size: props.ephemeralStorageMb },
      reservedConcurrentExecutions: props.reservedConcurrency,
      layers: props.layerArns,
      tracingConfig: { mode: "Active" },
      loggingConfig: { logFormat: "Text", logGroup: this.logGroup.name },
      environment: { variables: props.environment },
      tags: props.tags,
      dependsOn: [this.logGroup],
    });
  }

  get arn(): string {
    return this.fn.arn;
  }
}
