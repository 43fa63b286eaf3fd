import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule/index.js";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target/index.js";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js";
import { DataAwsSecretsmanagerRandomPassword } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-random-password/index.js";
import { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url/index.js";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission/index.js";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic/index.js";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy/index.js";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription/index.js";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter/index.js";
import { Fn, Op, Token } from "cdktf";
import { Construct } from "constructs";
import { PREFIXES } from "../handlers/contracts/bucket-layout.js";
import { ENV } from "../handlers/contracts/handler-environment.js";
import { AccountContext } from "./constructs/account.js";
import { ArtifactsBucket, type LambdaZipAsset } from "./constructs/artifacts.js";
import { objectArns, type PolicyStatement, policyJson } from "./constructs/iam.js";
import { type FunctionSettings, HyperframesFunction } from "./constructs/lambda-function.js";
import { WorkflowStateMachine } from "./constructs/state-machine.js";
import { Storage, type StorageProps } from "./constructs/storage.js";
import { mediaStateMachine } from "./state-machines/media.js";
import { renderStateMachine } from "./state-machines/render.js";

/**
 * Everything the module deploys: storage, the render pipeline (function + state machine), the media
 * pipeline (function + state machine + upload trigger), the API (Function URL), alarms and notifications.
 * Values may be Terraform variables (tokens). No provider or backend here: stacks own those (main.ts).
 */
export interface HyperframesModuleProps {
  readonly namePrefix?: string;
  readonly tags?: Record<string, string>;
  readonly storage?: Omit<StorageProps, "namePrefix" | "tags">;
  /** The packaged zips (modules/packaging), one per function. */
  readonly zips: Readonly<Record<"render" | "media" | "api", LambdaZipAsset>>;
  /** Environment each function needs because of its packaging (FFMPEG_PATH, FFPROBE_PATH). */
  readonly packagedEnvironment?: Readonly<
    Partial<Record<"render" | "media" | "api", Record<string, string>>>
  >;
  readonly render?: Partial<FunctionSettings>;
  readonly media?: Partial<FunctionSettings>;
  readonly api?: Partial<FunctionSettings>;
  /** "NONE" (bearer token checked by the function, default) or "AWS_IAM" (SigV4 callers only). */
  readonly apiAuthType?: string;
  /** The API bearer token; "" or undefined: generated once at creation (Secrets Manager's random password API). */
  readonly apiToken?: string;
  /** Origins allowed to call the API from a browser (also the bucket's CORS origins when set there). */
  readonly apiCorsOrigins?: string[];
  /** "aws" (Amazon Transcribe) or "none". Default "aws". */
  readonly transcriptionEngine?: string;
  /** Transcribe language code. Default "en-US". */
  readonly transcribeLanguage?: string;
  /** Write MPEG-DASH manifests besides HLS. Default true. */
  readonly generateDash?: boolean;
  /** Render chunk invocations per 5 minutes above which the runaway alarm fires. Default 5,000. */
  readonly runawayChunkInvocationsThreshold?: number;
  /** E-mail subscribed to the alarm topic; "" for none. */
  readonly alarmEmail?: string;
  /** Whole-job timeout of the render state machine, seconds. Default 21,600. */
  readonly renderJobTimeoutSeconds?: number;
}

export const FUNCTION_DEFAULTS: Readonly<Record<"render" | "media" | "api", FunctionSettings>> = {
  // Render workers are CPU-bound (Chromium + x264): Lambda scales CPU with memory, 10,240 MB is 6 vCPUs.
  render: {
    memoryMb: 10240,
    timeoutSeconds: 900,
    ephemeralStorageMb: 10240,
    reservedConcurrency: -1,
    logRetentionDays: 30,
    layerArns: [],
  },
  media: {
    memoryMb: 3008,
    timeoutSeconds: 900,
    ephemeralStorageMb: 10240,
    reservedConcurrency: -1,
    logRetentionDays: 30,
    layerArns: [],
  },
  api: {
    memoryMb: 512,
    timeoutSeconds: 30,
    ephemeralStorageMb: 512,
    reservedConcurrency: -1,
    logRetentionDays: 30,
    layerArns: [],
  },
};

export const MODULE_DEFAULTS = {
  namePrefix: "hyperframes",
  apiAuthType: "NONE",
  transcriptionEngine: "aws",
  transcribeLanguage: "en-US",
  generateDash: true,
  runawayChunkInvocationsThreshold: 5000,
  renderJobTimeoutSeconds: 21600,
} as const;

const numberString = (value: number): string =>
  Token.isUnresolved(value) ? Token.asString(value) : String(value);

/** Seconds a Task waits beyond its function's timeout before Step Functions gives up on it. */
const TASK_TIMEOUT_MARGIN_SECONDS = 30;

export class HyperframesModule extends Construct {
  readonly storage: Storage;
  readonly renderFunction: HyperframesFunction;
  readonly mediaFunction: HyperframesFunction;
  readonly apiFunction: HyperframesFunction;
  readonly renderStateMachine: WorkflowStateMachine;
  readonly mediaStateMachine: WorkflowStateMachine;
  readonly functionUrl: LambdaFunctionUrl;
  readonly apiTokenParameter: SsmParameter;
  readonly alarmTopic: SnsTopic;
  readonly account: AccountContext;
  /** The IAM policy (JSON) an operator needs to upload inputs and start, watch and cancel jobs. */
  readonly operatorPolicyJson: string;

  constructor(scope: Construct, id: string, props: HyperframesModuleProps) {
    super(scope, id);
    const prefix = props.namePrefix ?? MODULE_DEFAULTS.namePrefix;
    const baseTags = { "hyperframes:module": "hyperframes-tui" };
    // props.tags may be a Terraform variable (a token): merged by Terraform, not spread here.
    const tags = props.tags === undefined ? baseTags : Token.asStringMap(Fn.merge([baseTags, props.tags]));
    const account = new AccountContext(this, "account");
    this.account = account;

    this.storage = new Storage(this, "storage", { ...props.storage, namePrefix: prefix, tags });
    const bucketArn = this.storage.bucketArn;
    const bucketName = this.storage.bucketName;
    const artifacts = new ArtifactsBucket(this, "artifacts", { namePrefix: prefix, tags });

    const renderSmName = `${prefix}-render`;
    const mediaSmName = `${prefix}-media`;
    const renderSmArn = account.stateMachineArn(renderSmName);
    const mediaSmArn = account.stateMachineArn(mediaSmName);
    const settings = (name: "render" | "media" | "api"): FunctionSettings => ({
      ...FUNCTION_DEFAULTS[name],
      ...(props[name] ?? {}),
    });
    const renderSettings = settings("render");
    const mediaSettings = settings("media");
    const apiSettings = settings("api");
    const packaged = props.packagedEnvironment ?? {};
    const listOnly = (prefixes: string[]): PolicyStatement => ({
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [bucketArn],
      Condition: { StringLike: { "s3:prefix": prefixes.map((p) => `${p}*`) } },
    });

    // ── Render ────────────────────────────────────────────────────────────────────────────────────
    this.renderFunction = new HyperframesFunction(this, "render-function", {
      ...renderSettings,
      namePrefix: prefix,
      name: "render",
      description: "HyperFrames distributed render: plan, renderChunk, assemble",
      code: artifacts.addZip("render", props.zips.render),
      environment: { [ENV.bucketName]: bucketName, ...(packaged.render ?? {}) },
      tags,
    });
    this.renderFunction.role.allow("s3", [
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: objectArns(bucketArn, [PREFIXES.projects]) },
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject"],
        Resource: objectArns(bucketArn, [PREFIXES.renders]),
      },
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
        Resource: objectArns(bucketArn, [PREFIXES.outputs]),
      },
      listOnly([PREFIXES.renders, PREFIXES.projects]),
    ]);
    const taskTimeout = (seconds: number) =>
      Token.isUnresolved(seconds) ? undefined : seconds + TASK_TIMEOUT_MARGIN_SECONDS;
    const renderTaskTimeout = taskTimeout(renderSettings.timeoutSeconds);
    this.renderStateMachine = new WorkflowStateMachine(this, "render-workflow", {
      name: renderSmName,
      definition: renderStateMachine({
        renderFunctionArn: this.renderFunction.arn,
        ...(renderTaskTimeout === undefined
          ? {}
          : {
              planTimeoutSeconds: renderTaskTimeout,
              chunkTimeoutSeconds: renderTaskTimeout,
              assembleTimeoutSeconds: renderTaskTimeout,
            }),
        ...(props.renderJobTimeoutSeconds === undefined || Token.isUnresolved(props.renderJobTimeoutSeconds)
          ? {}
          : { executionTimeoutSeconds: props.renderJobTimeoutSeconds }),
      }),
      functionArns: [this.renderFunction.arn],
      logRetentionDays: renderSettings.logRetentionDays,
      tags,
    });

    // ── Media ─────────────────────────────────────────────────────────────────────────────────────
    const engine = props.transcriptionEngine ?? MODULE_DEFAULTS.transcriptionEngine;
    this.mediaFunction = new HyperframesFunction(this, "media-function", {
      ...mediaSettings,
      namePrefix: prefix,
      name: "media",
      description: "Video pipeline: ingest, transcode and package (HLS/DASH), thumbnails, subtitles",
      code: artifacts.addZip("media", props.zips.media),
      environment: {
        [ENV.bucketName]: bucketName,
        [ENV.mediaStateMachineArn]: mediaSmArn,
        [ENV.transcriptionEngine]: engine,
        [ENV.generateSubtitles]: Fn.tostring(Fn.conditional(Op.neq(engine, "none"), "true", "false")),
        [ENV.transcribeLanguage]: props.transcribeLanguage ?? MODULE_DEFAULTS.transcribeLanguage,
        [ENV.generateDash]: Fn.tostring(props.generateDash ?? MODULE_DEFAULTS.generateDash),
        [ENV.mediaTimeoutSeconds]: numberString(mediaSettings.timeoutSeconds),
        ...(packaged.media ?? {}),
      },
      tags,
    });
    this.mediaFunction.role.allow("s3", [
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: objectArns(bucketArn, [PREFIXES.uploads]) },
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        Resource: objectArns(bucketArn, [PREFIXES.processed]),
      },
      listOnly([PREFIXES.processed]),
    ]);
    this.mediaFunction.role.allow("start-media-workflow", [
      { Effect: "Allow", Action: ["states:StartExecution"], Resource: [mediaSmArn] },
    ]);
    this.mediaFunction.role.allow(
      "transcribe",
      [
        {
          Effect: "Allow",
          Action: [
            "transcribe:StartTranscriptionJob",
            "transcribe:GetTranscriptionJob",
            "transcribe:DeleteTranscriptionJob",
          ],
          Resource: [
            `arn:${account.partition}:transcribe:${account.region}:${account.accountId}:transcription-job/*`,
          ],
        },
      ],
      Fn.conditional(Op.eq(engine, "aws"), 1, 0) as unknown as number,
    );
    this.mediaStateMachine = new WorkflowStateMachine(this, "media-workflow", {
      name: mediaSmName,
      definition: mediaStateMachine({
        mediaFunctionArn: this.mediaFunction.arn,
        ...(Token.isUnresolved(mediaSettings.timeoutSeconds)
          ? {}
          : { mediaTimeoutSeconds: mediaSettings.timeoutSeconds }),
      }),
      functionArns: [this.mediaFunction.arn],
      logRetentionDays: mediaSettings.logRetentionDays,
      tags,
    });

    // Upload trigger: S3 -> EventBridge (uploads/ only: the pipeline never writes there) -> media `ingest`,
    // which hashes the object and starts the media workflow named by the video id (replays start nothing).
    const uploadRule = new CloudwatchEventRule(this, "upload-rule", {
      namePrefix: `${prefix}-upload-`,
      description: "New video under uploads/: start the media pipeline",
      eventPattern: JSON.stringify({
        source: ["aws.s3"],
        "detail-type": ["Object Created"],
        detail: { bucket: { name: [bucketName] }, object: { key: [{ prefix: PREFIXES.uploads }] } },
      }),
      tags,
    });
    new CloudwatchEventTarget(this, "upload-target", {
      rule: uploadRule.name,
      arn: this.mediaFunction.arn,
      inputTransformer: {
        inputPaths: {
          bucket: "$.detail.bucket.name",
          key: "$.detail.object.key",
          size: "$.detail.object.size",
        },
        inputTemplate: '{"Action":"ingest","bucket":<bucket>,"key":<key>,"size":<size>}',
      },
      retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 3600 },
    });
    new LambdaPermission(this, "upload-invoke", {
      statementId: "AllowEventBridgeUploadRule",
      action: "lambda:InvokeFunction",
      functionName: this.mediaFunction.fn.functionName,
      principal: "events.amazonaws.com",
      sourceArn: uploadRule.arn,
    });

    // ── API ───────────────────────────────────────────────────────────────────────────────────────
    const authType = props.apiAuthType ?? MODULE_DEFAULTS.apiAuthType;
    const token = props.apiToken ?? "";
    const generated = new DataAwsSecretsmanagerRandomPassword(this, "api-token-generator", {
      passwordLength: 48,
      excludePunctuation: true,
    });
    this.apiTokenParameter = new SsmParameter(this, "api-token", {
      name: `/${prefix}/api-token`,
      description: "Bearer token of the HyperFrames API (Function URL)",
      type: "SecureString",
      value: Fn.conditional(Op.lt(Fn.lengthOf(token), 1), generated.randomPassword, token),
      tags,
      // The generator is a data source (new value each plan): keep the first one unless the variable is set.
      lifecycle: { ignoreChanges: ["value"] },
    });
    const smArns = [renderSmArn, mediaSmArn];
    const executionArns = [account.executionArns(renderSmName), account.executionArns(mediaSmName)];
    const corsOrigins = props.apiCorsOrigins ?? [];
    this.apiFunction = new HyperframesFunction(this, "api-function", {
      ...apiSettings,
      namePrefix: prefix,
      name: "api",
      description: "HyperFrames HTTP API and upload page (Lambda Function URL)",
      code: artifacts.addZip("api", props.zips.api),
      environment: {
        [ENV.bucketName]: bucketName,
        [ENV.renderStateMachineArn]: renderSmArn,
        [ENV.mediaStateMachineArn]: mediaSmArn,
        [ENV.apiTokenParameter]: this.apiTokenParameter.name,
        [ENV.apiAuthMode]: Fn.tostring(Fn.conditional(Op.eq(authType, "AWS_IAM"), "iam", "token")),
        [ENV.corsOrigins]: Fn.join(",", corsOrigins),
        ...(packaged.api ?? {}),
      },
      tags,
    });
    const operatorS3: PolicyStatement[] = [
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: objectArns(bucketArn, [PREFIXES.projects, PREFIXES.uploads]),
      },
      {
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: objectArns(bucketArn, [
          PREFIXES.projects,
          PREFIXES.outputs,
          PREFIXES.processed,
          PREFIXES.renders,
        ]),
      },
      listOnly([PREFIXES.projects, PREFIXES.outputs, PREFIXES.processed, PREFIXES.renders, PREFIXES.uploads]),
    ];
    const operatorStates: PolicyStatement[] = [
      {
        Effect: "Allow",
        Action: ["states:StartExecution", "states:ListExecutions", "states:DescribeStateMachine"],
        Resource: smArns,
      },
      {
        Effect: "Allow",
        Action: ["states:DescribeExecution", "states:StopExecution", "states:GetExecutionHistory"],
        Resource: executionArns,
      },
    ];
    this.apiFunction.role.allow("s3", operatorS3);
    this.apiFunction.role.allow("states", operatorStates);
    this.apiFunction.role.allow("api-token", [
      // SecureString with the AWS managed key (aws/ssm): no kms permission needed in the same account.
      { Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [this.apiTokenParameter.arn] },
    ]);
    // SSE-KMS: every function that reads or writes objects needs the key (policy only when a key is given).
    const kmsKeyArn = props.storage?.kmsKeyArn ?? "";
    if (kmsKeyArn !== "") {
      for (const fn of [this.renderFunction, this.mediaFunction, this.apiFunction]) {
        fn.role.allow(
          "bucket-kms-key",
          [{ Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [kmsKeyArn] }],
          Fn.conditional(Op.gte(Fn.lengthOf(kmsKeyArn), 1), 1, 0) as unknown as number,
        );
      }
    }
    this.functionUrl = new LambdaFunctionUrl(this, "api-url", {
      functionName: this.apiFunction.fn.functionName,
      authorizationType: authType,
      invokeMode: "BUFFERED",
    });

    this.operatorPolicyJson = policyJson([
      ...operatorS3,
      ...operatorStates,
      { Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [this.apiTokenParameter.arn] },
      { Effect: "Allow", Action: ["lambda:InvokeFunctionUrl"], Resource: [this.apiFunction.arn] },
    ]);

    // ── Alarms and notifications ──────────────────────────────────────────────────────────────────
    this.alarmTopic = new SnsTopic(this, "alarm-topic", { namePrefix: `${prefix}-alarms-`, tags });
    new SnsTopicPolicy(this, "alarm-topic-policy", {
      arn: this.alarmTopic.arn,
      policy: policyJson([
        {
          Sid: "AlarmsAndJobEvents",
          Effect: "Allow",
          Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
          Action: ["sns:Publish"],
          Resource: [this.alarmTopic.arn],
          Condition: { StringEquals: { "aws:SourceAccount": account.accountId } },
        },
      ]),
    });
    const email = props.alarmEmail ?? "";
    new SnsTopicSubscription(this, "alarm-email", {
      topicArn: this.alarmTopic.arn,
      protocol: "email",
      endpoint: email,
      count: Fn.conditional(Op.lt(Fn.lengthOf(email), 1), 0, 1) as unknown as number,
    });
    const alarm = (
      id: string,
      description: string,
      config: {
        namespace: string;
        metricName: string;
        dimensions: Record<string, string>;
        threshold: number;
      },
    ) =>
      new CloudwatchMetricAlarm(this, id, {
        alarmName: `${prefix}-${id}`,
        alarmDescription: description,
        namespace: config.namespace,
        metricName: config.metricName,
        dimensions: config.dimensions,
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: config.threshold,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [this.alarmTopic.arn],
        okActions: [this.alarmTopic.arn],
        tags,
      });
    alarm(
      "render-runaway-invocations",
      "Render function invocations per 5 minutes are above the runaway threshold (a loop or a huge job)",
      {
        namespace: "AWS/Lambda",
        metricName: "Invocations",
        dimensions: { FunctionName: this.renderFunction.fn.functionName },
        threshold: props.runawayChunkInvocationsThreshold ?? MODULE_DEFAULTS.runawayChunkInvocationsThreshold,
      },
    );
    for (const [name, fn] of [
      ["render", this.renderFunction],
      ["media", this.mediaFunction],
      ["api", this.apiFunction],
    ] as const) {
      alarm(`${name}-errors`, `The ${name} function reported errors`, {
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: fn.fn.functionName },
        threshold: 0,
      });
      alarm(`${name}-throttles`, `The ${name} function was throttled (concurrency limit)`, {
        namespace: "AWS/Lambda",
        metricName: "Throttles",
        dimensions: { FunctionName: fn.fn.functionName },
        threshold: 0,
      });
    }
    for (const [name, sm] of [
      ["render", this.renderStateMachine],
      ["media", this.mediaStateMachine],
    ] as const) {
      alarm(`${name}-executions-failed`, `A ${name} job failed`, {
        namespace: "AWS/States",
        metricName: "ExecutionsFailed",
        dimensions: { StateMachineArn: sm.stateMachine.arn },
        threshold: 0,
      });
      alarm(`${name}-executions-timed-out`, `A ${name} job timed out`, {
        namespace: "AWS/States",
        metricName: "ExecutionsTimedOut",
        dimensions: { StateMachineArn: sm.stateMachine.arn },
        threshold: 0,
      });
    }
    // Job completion: Step Functions' own status-change events, to the same topic.
    const jobRule = new CloudwatchEventRule(this, "job-finished-rule", {
      namePrefix: `${prefix}-job-finished-`,
      description: "A render or media job finished (succeeded, failed, timed out or aborted)",
      eventPattern: JSON.stringify({
        source: ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        detail: {
          stateMachineArn: [
            this.renderStateMachine.stateMachine.arn,
            this.mediaStateMachine.stateMachine.arn,
          ],
          status: ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"],
        },
      }),
      tags,
    });
    new CloudwatchEventTarget(this, "job-finished-target", { rule: jobRule.name, arn: this.alarmTopic.arn });
  }
}
