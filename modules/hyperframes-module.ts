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
import { API_DEFAULTS } from "../handlers/contracts/api-settings.js";
import { PREFIXES } from "../handlers/contracts/bucket-layout.js";
import { FUNCTION_SIZES } from "../handlers/contracts/function-sizes.js";
import { ENV } from "../handlers/contracts/handler-environment.js";
import { DEFAULT_LADDER, MEDIA_CONFIG_DEFAULTS } from "../handlers/contracts/media-settings.js";
import { AccountContext } from "./constructs/account.js";
import { ArtifactsBucket, type LambdaZipAsset } from "./constructs/artifacts.js";
import { conditionalPolicyJson, objectArns, type PolicyStatement, policyJson } from "./constructs/iam.js";
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
  /** The media function's knobs (the replaced transcoder's names; handlers/media/config.ts). */
  readonly mediaPipeline?: Partial<MediaPipelineSettings>;
  /** Lifetime of the API's presigned URLs (PRESIGN_EXPIRES_SECONDS). Default 900. */
  readonly presignExpiresSeconds?: number;
  /** Render chunk invocations per 5 minutes above which the runaway alarm fires. Default 5,000. */
  readonly runawayChunkInvocationsThreshold?: number;
  /** E-mail subscribed to the alarm topic; "" for none. */
  readonly alarmEmail?: string;
  /** Whole-job timeout of the render state machine, seconds. Default 21,600. */
  readonly renderJobTimeoutSeconds?: number;
}

/**
 * The media function's environment knobs. Values may be Terraform tokens. Defaults are the handler's
 * own (MEDIA_CONFIG_DEFAULTS, DEFAULT_LADDER), so an unset variable and an unset env var agree.
 */
export interface MediaPipelineSettings {
  /** "aws" (Amazon Transcribe) or "none". */
  readonly transcriptionEngine: string;
  /** Transcribe language code (TRANSCRIBE_LANGUAGE). */
  readonly transcribeLanguage: string;
  /** Write MPEG-DASH manifests besides HLS (GENERATE_DASH). */
  readonly generateDash: boolean;
  /** Subtitles (GENERATE_SUBTITLES); off whatever this says when the engine is "none". */
  readonly generateSubtitles: boolean;
  /** THUMBNAIL_WIDTH, pixels. */
  readonly thumbnailWidth: number;
  /** SPRITE_INTERVAL, seconds between sprite thumbnails. */
  readonly spriteInterval: number;
  readonly spriteRows: number;
  readonly spriteColumns: number;
  /** LADDER: JSON array of `{name, height, videoBitrate, audioBitrate}` (may be a Terraform expression). */
  readonly ladderJson: string;
  /** MEDIA_ENCODE_PIXELS_PER_SECOND: encoder throughput used to refuse sources that cannot finish in time. */
  readonly encodePixelsPerSecond: number;
  /** MEDIA_X264_PRESET. */
  readonly x264Preset: string;
}

export const MEDIA_PIPELINE_DEFAULTS: MediaPipelineSettings = {
  transcriptionEngine: MEDIA_CONFIG_DEFAULTS.transcriptionEngine,
  transcribeLanguage: MEDIA_CONFIG_DEFAULTS.transcribeLanguage,
  generateDash: MEDIA_CONFIG_DEFAULTS.generateDash,
  generateSubtitles: MEDIA_CONFIG_DEFAULTS.generateSubtitles,
  thumbnailWidth: MEDIA_CONFIG_DEFAULTS.thumbnailWidth,
  spriteInterval: MEDIA_CONFIG_DEFAULTS.spriteInterval,
  spriteRows: MEDIA_CONFIG_DEFAULTS.spriteRows,
  spriteColumns: MEDIA_CONFIG_DEFAULTS.spriteColumns,
  ladderJson: JSON.stringify(DEFAULT_LADDER),
  encodePixelsPerSecond: MEDIA_CONFIG_DEFAULTS.encodePixelsPerSecond,
  x264Preset: MEDIA_CONFIG_DEFAULTS.x264Preset,
};

export const FUNCTION_DEFAULTS: Readonly<Record<"render" | "media" | "api", FunctionSettings>> = {
  render: {
    ...FUNCTION_SIZES.render,
    ephemeralStorageMb: 10240,
    reservedConcurrency: -1,
    logRetentionDays: 30,
    layerArns: [],
  },
  media: {
    ...FUNCTION_SIZES.media,
    ephemeralStorageMb: 10240,
    reservedConcurrency: -1,
    logRetentionDays: 30,
    layerArns: [],
  },
  api: {
    ...FUNCTION_SIZES.api,
    ephemeralStorageMb: 512,
    reservedConcurrency: -1,
    logRetentionDays: 30,
    layerArns: [],
  },
};

export const MODULE_DEFAULTS = {
  namePrefix: "hyperframes",
  apiAuthType: "NONE",
  presignExpiresSeconds: API_DEFAULTS.presignExpiresSeconds,
  runawayChunkInvocationsThreshold: 5000,
  renderJobTimeoutSeconds: 21600,
} as const;

const numberString = (value: number): string =>
  Token.isUnresolved(value) ? Token.asString(value) : String(value);
const boolString = (value: boolean): string =>
  Token.isUnresolved(value) ? Fn.tostring(value) : String(value);

/**
 * A state machine definition as JSON text whose numbers may be Terraform tokens. The builders validate
 * plain numbers, so each token goes in as a distinct placeholder integer that is then replaced in the
 * JSON text by the token's `${...}` interpolation (a bare number in the resolved definition).
 */
function definitionWithNumbers(build: (number: (value: number) => number) => object): string {
  const substitutions = new Map<string, number>();
  const json = JSON.stringify(
    build((value) => {
      if (!Token.isUnresolved(value)) return value;
      // Below the builders' 1-year maximum, and no real timeout or count has this value.
      const placeholder = 31_012_345 + substitutions.size;
      substitutions.set(String(placeholder), value);
      return placeholder;
    }),
  );
  let out = json;
  for (const [placeholder, value] of substitutions) {
    const pattern = new RegExp(`(?<=[:\\[,])${placeholder}(?=[,}\\]])`, "g");
    if ((json.match(pattern) ?? []).length === 0) throw new Error(`placeholder ${placeholder} was not used`);
    out = out.replace(pattern, Token.asString(value));
  }
  return out;
}

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
    // s3:ListBucket on the bucket itself, without an s3:prefix condition. Besides the listings (media:
    // processed/<id>/ on reprocess; API and CLI: processed/ and processed/<id>/), it decides how S3
    // answers a read of a missing key: 404 NoSuchKey with it, 403 AccessDenied without. Every reader
    // here treats "missing" as a normal answer (status.json before ingest, a project not uploaded yet, a
    // missing chunk as a fatal not-found rather than a retried S3 error); S3 evaluates that check without
    // the request's prefix, so a prefix-conditioned grant would not give the 404.
    const listBucket: PolicyStatement = {
      Sid: "ListKeysAndMissingKeysAre404",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [bucketArn],
    };
    const objects = (sid: string, actions: string[], prefixes: string[]): PolicyStatement => ({
      Sid: sid,
      Effect: "Allow",
      Action: actions,
      Resource: objectArns(bucketArn, prefixes),
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
    // handlers/render/s3-transport.ts: GetObject/HeadObject of the project and of plan artifacts and
    // chunks; PutObject (lib-storage multipart above 64 MiB, aborted on failure) of plan artifacts,
    // chunks and the output.
    this.renderFunction.role.allow("s3", [
      objects("ReadProjects", ["s3:GetObject"], [PREFIXES.projects]),
      objects(
        "ReadWriteRenders",
        ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
        [PREFIXES.renders],
      ),
      objects("WriteOutputs", ["s3:PutObject", "s3:AbortMultipartUpload"], [PREFIXES.outputs]),
      listBucket,
    ]);
    const taskTimeout = (seconds: number): number =>
      Token.isUnresolved(seconds)
        ? Token.asNumber(Op.add(seconds, TASK_TIMEOUT_MARGIN_SECONDS))
        : seconds + TASK_TIMEOUT_MARGIN_SECONDS;
    const renderTaskTimeout = taskTimeout(renderSettings.timeoutSeconds);
    this.renderStateMachine = new WorkflowStateMachine(this, "render-workflow", {
      name: renderSmName,
      definition: definitionWithNumbers((number) =>
        renderStateMachine({
          renderFunctionArn: this.renderFunction.arn,
          planTimeoutSeconds: number(renderTaskTimeout),
          chunkTimeoutSeconds: number(renderTaskTimeout),
          assembleTimeoutSeconds: number(renderTaskTimeout),
          ...(props.renderJobTimeoutSeconds === undefined
            ? {}
            : { executionTimeoutSeconds: number(props.renderJobTimeoutSeconds) }),
        }),
      ),
      functionArns: [this.renderFunction.arn],
      logRetentionDays: renderSettings.logRetentionDays,
      tags,
    });

    // ── Media ─────────────────────────────────────────────────────────────────────────────────────
    const media: MediaPipelineSettings = { ...MEDIA_PIPELINE_DEFAULTS, ...(props.mediaPipeline ?? {}) };
    const engine = media.transcriptionEngine;
    // Subtitles need an engine: GENERATE_SUBTITLES is false whatever was asked when the engine is "none".
    const subtitles =
      Token.isUnresolved(media.generateSubtitles) || Token.isUnresolved(engine)
        ? Fn.tostring(Op.and(media.generateSubtitles, Op.neq(engine, "none")))
        : String(media.generateSubtitles && engine !== "none");
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
        [ENV.generateSubtitles]: subtitles,
        [ENV.transcribeLanguage]: media.transcribeLanguage,
        [ENV.generateDash]: boolString(media.generateDash),
        [ENV.thumbnailWidth]: numberString(media.thumbnailWidth),
        [ENV.spriteInterval]: numberString(media.spriteInterval),
        [ENV.spriteRows]: numberString(media.spriteRows),
        [ENV.spriteColumns]: numberString(media.spriteColumns),
        [ENV.ladder]: media.ladderJson,
        [ENV.mediaEncodePixelsPerSecond]: numberString(media.encodePixelsPerSecond),
        [ENV.mediaX264Preset]: media.x264Preset,
        // The same value as the function's timeout and the heavy tasks' TimeoutSeconds (below).
        [ENV.mediaTimeoutSeconds]: numberString(mediaSettings.timeoutSeconds),
        ...(packaged.media ?? {}),
      },
      tags,
    });
    // handlers/media/storage.ts: GetObject/HeadObject of the upload (hash, download) and of status and
    // name documents; PutObject of everything under processed/ (single PUTs, no multipart); DeleteObjects
    // of stale outputs on reprocess and of work/ files. Amazon Transcribe reads the audio and writes the
    // transcript under processed/<id>/work/ with these same permissions (the caller's).
    this.mediaFunction.role.allow("s3", [
      objects("ReadUploads", ["s3:GetObject"], [PREFIXES.uploads]),
      objects(
        "ReadWriteProcessed",
        ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        [PREFIXES.processed],
      ),
      listBucket,
    ]);
    // ingest and reprocess: executions named by the video id, or the reprocess name.
    this.mediaFunction.role.allow("start-media-workflow", [
      { Effect: "Allow", Action: ["states:StartExecution"], Resource: [mediaSmArn] },
    ]);
    this.mediaFunction.role.allow(
      "transcribe",
      [
        {
          Effect: "Allow",
          Action: ["transcribe:StartTranscriptionJob", "transcribe:GetTranscriptionJob"],
          // Job names are `<videoId>-<epoch ms>`: the name is the only part of the ARN we choose.
          Resource: [
            `arn:${account.partition}:transcribe:${account.region}:${account.accountId}:transcription-job/*`,
          ],
        },
      ],
      Fn.conditional(Op.eq(engine, "aws"), 1, 0) as unknown as number,
    );
    this.mediaStateMachine = new WorkflowStateMachine(this, "media-workflow", {
      name: mediaSmName,
      definition: definitionWithNumbers((number) =>
        mediaStateMachine({
          mediaFunctionArn: this.mediaFunction.arn,
          mediaTimeoutSeconds: number(mediaSettings.timeoutSeconds),
        }),
      ),
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
    const corsOrigins = props.apiCorsOrigins ?? [];
    const presign = props.presignExpiresSeconds ?? MODULE_DEFAULTS.presignExpiresSeconds;
    const tokenMode = Token.isUnresolved(authType) ? undefined : authType !== "AWS_IAM";
    this.apiFunction = new HyperframesFunction(this, "api-function", {
      ...apiSettings,
      namePrefix: prefix,
      name: "api",
      description: "HyperFrames HTTP API and upload page (Lambda Function URL)",
      code: artifacts.addZip("api", props.zips.api),
      // handlers/api/config.ts reads these (MEDIA_STATE_MACHINE_ARN is not among them: uploads start
      // the media pipeline through the bucket trigger).
      environment: {
        [ENV.bucketName]: bucketName,
        [ENV.renderStateMachineArn]: renderSmArn,
        [ENV.apiTokenParameter]: this.apiTokenParameter.name,
        [ENV.apiAuthMode]:
          tokenMode === undefined
            ? Fn.tostring(Fn.conditional(Op.eq(authType, "AWS_IAM"), "iam", "token"))
            : tokenMode
              ? "token"
              : "iam",
        [ENV.corsOrigins]: Token.isUnresolved(corsOrigins)
          ? Fn.join(",", corsOrigins)
          : corsOrigins.join(","),
        [ENV.presignExpiresSeconds]: numberString(presign),
        ...(packaged.api ?? {}),
      },
      tags,
    });
    const renderExecutionArns = account.executionArns(renderSmName);
    const mediaExecutionArns = account.executionArns(mediaSmName);
    // handlers/api: s3-ops.ts, uploads.ts, videos.ts, renders.ts, stream.ts. Presigned URLs act with
    // these permissions too (project PUT, part PUTs, stream and download GETs).
    this.apiFunction.role.allow("s3", [
      // POST /api/projects: HeadObject, then a presigned PUT.
      objects("Projects", ["s3:GetObject", "s3:PutObject"], [PREFIXES.projects]),
      // Multipart upload routes (create, presigned parts, complete, abort, list parts), the hash after
      // completion, and DELETE /api/videos/{id} removing the original.
      objects(
        "Uploads",
        [
          "s3:PutObject",
          "s3:AbortMultipartUpload",
          "s3:ListMultipartUploadParts",
          "s3:GetObject",
          "s3:DeleteObject",
        ],
        [PREFIXES.uploads],
      ),
      // Status, name mappings, manifests and segments; DELETE removes processed/<id>/ and its name.
      objects("Processed", ["s3:GetObject", "s3:DeleteObject"], [PREFIXES.processed]),
      // Presigned download of a finished render.
      objects("Outputs", ["s3:GetObject"], [PREFIXES.outputs]),
      listBucket,
    ]);
    this.apiFunction.role.allow("states", [
      {
        Effect: "Allow",
        Action: ["states:StartExecution", "states:ListExecutions"],
        Resource: [renderSmArn],
      },
      {
        Effect: "Allow",
        Action: ["states:DescribeExecution", "states:StopExecution", "states:GetExecutionHistory"],
        Resource: [renderExecutionArns],
      },
    ]);
    this.apiFunction.role.allow("api-token", [
      // SecureString with the AWS managed key (aws/ssm): its key policy lets the account's principals
      // decrypt through SSM, so no kms permission is needed.
      { Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [this.apiTokenParameter.arn] },
    ]);
    // SSE-KMS: every function that reads or writes objects needs the key (policy only when a key is given).
    const kmsKeyArn = props.storage?.kmsKeyArn ?? "";
    const kmsStatement: PolicyStatement = {
      Sid: "BucketKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: [kmsKeyArn],
    };
    const useKms = Token.isUnresolved(kmsKeyArn) ? undefined : kmsKeyArn !== "";
    if (useKms !== false) {
      for (const fn of [this.renderFunction, this.mediaFunction, this.apiFunction]) {
        fn.role.allow(
          "bucket-kms-key",
          [kmsStatement],
          Fn.conditional(Op.gte(Fn.lengthOf(kmsKeyArn), 1), 1, 0) as unknown as number,
        );
      }
    }
    this.functionUrl = new LambdaFunctionUrl(this, "api-url", {
      functionName: this.apiFunction.fn.functionName,
      authorizationType: authType,
      invokeMode: "BUFFERED",
    });

    // Exactly what tui/ calls (services/, jobs/, history/, commands/invoke.ts), plus the API's own
    // credential for a person using the API or its page: the token (token mode) or InvokeFunctionUrl
    // (AWS_IAM mode). The CLI itself never calls the API.
    const functionArns = [this.renderFunction.arn, this.mediaFunction.arn, this.apiFunction.arn];
    this.operatorPolicyJson = conditionalPolicyJson(
      [
        // render: HeadObject (already uploaded?) then PutObject of the content-addressed archive.
        objects("UploadProjects", ["s3:GetObject", "s3:PutObject"], [PREFIXES.projects]),
        // transcode / TUI upload: lib-storage multipart (aborted on failure).
        objects("UploadVideos", ["s3:PutObject", "s3:AbortMultipartUpload"], [PREFIXES.uploads]),
        // render download.
        objects("DownloadOutputs", ["s3:GetObject"], [PREFIXES.outputs]),
        // videos (status, playback URLs), transcode download, videos --delete.
        objects("VideosReadDelete", ["s3:GetObject", "s3:DeleteObject"], [PREFIXES.processed]),
        listBucket,
        {
          Sid: "StartAndListJobs",
          Effect: "Allow",
          Action: ["states:StartExecution", "states:ListExecutions"],
          Resource: [renderSmArn],
        },
        { Sid: "ListMediaJobs", Effect: "Allow", Action: ["states:ListExecutions"], Resource: [mediaSmArn] },
        {
          Sid: "WatchAndCancelJobs",
          Effect: "Allow",
          Action: ["states:DescribeExecution", "states:GetExecutionHistory", "states:StopExecution"],
          Resource: [renderExecutionArns, mediaExecutionArns],
        },
        // `hyperframes-tui invoke <render|media|api> --target aws`.
        {
          Sid: "InvokeFunctions",
          Effect: "Allow",
          Action: ["lambda:InvokeFunction"],
          Resource: functionArns,
        },
      ],
      [
        { when: useKms ?? Op.gte(Fn.lengthOf(kmsKeyArn), 1), statements: [kmsStatement] },
        {
          when: tokenMode ?? Op.neq(authType, "AWS_IAM"),
          statements: [
            {
              Sid: "ReadApiToken",
              Effect: "Allow",
              Action: ["ssm:GetParameter"],
              Resource: [this.apiTokenParameter.arn],
            },
          ],
        },
        {
          when: tokenMode === undefined ? Op.eq(authType, "AWS_IAM") : !tokenMode,
          statements: [
            {
              Sid: "CallApi",
              Effect: "Allow",
              Action: ["lambda:InvokeFunctionUrl"],
              Resource: [this.apiFunction.arn],
              Condition: { StringEquals: { "lambda:FunctionUrlAuthType": "AWS_IAM" } },
            },
          ],
        },
      ],
    );

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
