import { AwsProvider } from "@cdktf/provider-aws/lib/provider/index.js";
import { LocalBackend, TerraformOutput, TerraformStack, TerraformVariable, Token } from "cdktf";
import type { Construct } from "constructs";
import { DEFAULT_LADDER, type LadderRung, X264_PRESETS } from "../handlers/contracts/media-settings.js";
import { STACK_OUTPUTS } from "../handlers/contracts/stack-outputs.js";
import type { LambdaZipAsset } from "./constructs/artifacts.js";
import { STORAGE_DEFAULTS } from "./constructs/storage.js";
import {
  FUNCTION_DEFAULTS,
  HyperframesModule,
  type HyperframesModuleProps,
  MEDIA_PIPELINE_DEFAULTS,
  MODULE_DEFAULTS,
} from "./hyperframes-module.js";

/** AWS provider constraint declared by the module (the version the constructs are generated from). */
export const AWS_PROVIDER_REQUIREMENT = { source: "hashicorp/aws", version: ">= 6.25, < 7.0" } as const;
export const TERRAFORM_VERSION_REQUIREMENT = ">= 1.5";

/** Where each zip sits relative to the synthesized stack folder (copied there by main.ts). */
export const zipAssetPath = (name: string): string => `assets/${name}.zip`;

export interface StackZips {
  readonly zips: Readonly<Record<"render" | "media" | "api", { sha256: string; sourceCodeHash: string }>>;
  readonly packagedEnvironment: HyperframesModuleProps["packagedEnvironment"];
}

/** handlers/media/config.ts refuses MEDIA_TIMEOUT_SECONDS below 30. */
const MEDIA_MIN_TIMEOUT_SECONDS = 30;
/** Presigned URLs die with the signing credentials; a Lambda role's last at most 12 hours. */
const PRESIGN_MAX_SECONDS = 43_200;

/**
 * `ladder`: a typed list of rungs (snake_case, as Terraform attributes are), validated like the
 * handler's LadderRungSchema, passed as LADDER in the handler's camelCase JSON.
 */
function ladderVariable(scope: Construct): string {
  const rung = (r: LadderRung) => ({
    name: r.name,
    height: r.height,
    video_bitrate: r.videoBitrate,
    audio_bitrate: r.audioBitrate,
  });
  const each = (condition: string) => `alltrue([for r in var.ladder : ${condition}])`;
  new TerraformVariable(scope, "ladder", {
    type: "list(object({ name = string, height = number, video_bitrate = number, audio_bitrate = number }))",
    description:
      "Renditions of the media ladder (LADDER): name, height of a landscape rendition (the short side of a portrait one), video and audio bitrate in bits per second. Sources are never upscaled.",
    default: DEFAULT_LADDER.map(rung),
    nullable: false,
    validation: [
      {
        condition: "length(var.ladder) >= 1 && length(var.ladder) <= 8",
        errorMessage: "ladder needs 1 to 8 rungs.",
      },
      {
        condition: "length(distinct([for r in var.ladder : r.name])) == length(var.ladder)",
        errorMessage: "ladder rung names must be unique.",
      },
      {
        condition: each('can(regex("^[A-Za-z0-9_-]{1,32}$", r.name))'),
        errorMessage: "ladder rung names must be 1-32 letters, digits, _ or -.",
      },
      {
        condition: each("r.height >= 64 && r.height <= 4320 && floor(r.height) == r.height"),
        errorMessage: "ladder heights must be whole numbers from 64 to 4320.",
      },
      {
        condition: each(
          "r.video_bitrate >= 50000 && r.video_bitrate <= 100000000 && floor(r.video_bitrate) == r.video_bitrate",
        ),
        errorMessage:
          "ladder video_bitrate must be a whole number from 50000 to 100000000 (bits per second).",
      },
      {
        condition: each(
          "r.audio_bitrate >= 16000 && r.audio_bitrate <= 512000 && floor(r.audio_bitrate) == r.audio_bitrate",
        ),
        errorMessage: "ladder audio_bitrate must be a whole number from 16000 to 512000 (bits per second).",
      },
    ],
  });
  // The handler's JSON (camelCase); `var.ladder` is this variable (variables keep their ids as names).
  const expression =
    "jsonencode([for r in var.ladder : { name = r.name, height = r.height, videoBitrate = r.video_bitrate, audioBitrate = r.audio_bitrate }])";
  return `$\{${expression}}`;
}

const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** The module's input variables, by Terraform name. README's HCL is checked against these names. */
export function declareModuleVariables(
  scope: Construct,
): Omit<HyperframesModuleProps, "zips" | "packagedEnvironment"> {
  const string = (
    name: string,
    description: string,
    defaultValue: string,
    validation?: { condition: string; errorMessage: string },
    sensitive = false,
  ) =>
    new TerraformVariable(scope, name, {
      type: "string",
      description,
      default: defaultValue,
      nullable: false,
      sensitive,
      ...(validation ? { validation: [validation] } : {}),
    }).stringValue;
  const number = (
    name: string,
    description: string,
    defaultValue: number,
    condition: string,
    errorMessage: string,
  ) =>
    new TerraformVariable(scope, name, {
      type: "number",
      description,
      default: defaultValue,
      nullable: false,
      validation: [{ condition, errorMessage }],
    }).numberValue;
  const wholeNumber = (name: string, description: string, defaultValue: number, min: number, max: number) =>
    number(
      name,
      description,
      defaultValue,
      `var.${name} >= ${min} && var.${name} <= ${max} && floor(var.${name}) == var.${name}`,
      `${name} must be a whole number from ${min} to ${max}.`,
    );
  const bool = (name: string, description: string, defaultValue: boolean) =>
    new TerraformVariable(scope, name, { type: "bool", description, default: defaultValue, nullable: false })
      .value as boolean;
  const list = (name: string, description: string, condition?: string, errorMessage?: string) =>
    new TerraformVariable(scope, name, {
      type: "list(string)",
      description,
      default: [],
      nullable: false,
      ...(condition && errorMessage ? { validation: [{ condition, errorMessage }] } : {}),
    }).listValue;

  const fn = (name: "render" | "media" | "api", what: string, minTimeoutSeconds = 1, timeoutNote = "") => {
    const d = FUNCTION_DEFAULTS[name];
    return {
      memoryMb: number(
        `${name}_memory_mb`,
        `Memory of the ${what} function in MB (CPU scales with it).`,
        d.memoryMb,
        `var.${name}_memory_mb >= 128 && var.${name}_memory_mb <= 10240`,
        `${name}_memory_mb must be between 128 and 10240.`,
      ),
      timeoutSeconds: number(
        `${name}_timeout_seconds`,
        `Timeout of the ${what} function in seconds.${timeoutNote}`,
        d.timeoutSeconds,
        `var.${name}_timeout_seconds >= ${minTimeoutSeconds} && var.${name}_timeout_seconds <= 900 && floor(var.${name}_timeout_seconds) == var.${name}_timeout_seconds`,
        `${name}_timeout_seconds must be a whole number from ${minTimeoutSeconds} to 900 (Lambda's maximum).`,
      ),
      ephemeralStorageMb: number(
        `${name}_ephemeral_storage_mb`,
        `/tmp size of the ${what} function in MB.`,
        d.ephemeralStorageMb,
        `var.${name}_ephemeral_storage_mb >= 512 && var.${name}_ephemeral_storage_mb <= 10240`,
        `${name}_ephemeral_storage_mb must be between 512 and 10240.`,
      ),
      reservedConcurrency: number(
        `${name}_reserved_concurrency`,
        `Reserved concurrency of the ${what} function; -1 leaves it unreserved.`,
        d.reservedConcurrency,
        `var.${name}_reserved_concurrency >= -1`,
        `${name}_reserved_concurrency must be -1 (unreserved) or a non-negative number.`,
      ),
      logRetentionDays: number(
        `${name}_log_retention_days`,
        `CloudWatch Logs retention of the ${what} function (and its state machine), days.`,
        d.logRetentionDays,
        `contains([${LOG_RETENTION_DAYS.join(", ")}], var.${name}_log_retention_days)`,
        `${name}_log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, ...).`,
      ),
      layerArns: list(
        `${name}_layer_arns`,
        `Extra Lambda layer ARNs for the ${what} function (e.g. your own ffmpeg build; x86_64 layers only).`,
        `alltrue([for arn in var.${name}_layer_arns : can(regex("^arn:aws[a-z-]*:lambda:", arn))])`,
        `${name}_layer_arns must be Lambda layer version ARNs.`,
      ),
    };
  };

  return {
    namePrefix: string(
      "name_prefix",
      "Prefix of every resource name (functions, state machines, buckets, alarms).",
      MODULE_DEFAULTS.namePrefix,
      {
        condition: 'can(regex("^[a-z][a-z0-9-]{1,20}$", var.name_prefix))',
        errorMessage:
          "name_prefix must be 2-21 characters: lowercase letters, digits and hyphens, starting with a letter.",
      },
    ),
    tags: Token.asStringMap(
      new TerraformVariable(scope, "tags", {
        type: "map(string)",
        description: "Tags added to every resource.",
        default: {},
        nullable: false,
      }).value,
    ),
    storage: {
      existingBucketName: string(
        "existing_bucket_name",
        "Use this existing bucket instead of creating one (its owner keeps encryption, policy, lifecycle and CORS; EventBridge notifications are turned on). Empty: create a bucket.",
        "",
        {
          condition:
            'var.existing_bucket_name == "" || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.existing_bucket_name))',
          errorMessage: "existing_bucket_name must be empty or a valid S3 bucket name.",
        },
      ),
      forceDestroy: bool(
        "force_destroy",
        "Let destroy delete the bucket with its objects. Off: destroying a non-empty bucket stops with an error.",
        STORAGE_DEFAULTS.forceDestroy,
      ),
      kmsKeyArn: string("kms_key_arn", "KMS key ARN for bucket encryption (SSE-KMS). Empty: SSE-S3.", "", {
        condition: 'var.kms_key_arn == "" || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))',
        errorMessage: "kms_key_arn must be empty or a KMS key ARN.",
      }),
      corsAllowedOrigins: list(
        "cors_allowed_origins",
        "Origins allowed to upload to the bucket from a browser (presigned URLs). Empty: no CORS rule.",
      ),
      originalRetentionDays: number(
        "original_retention_days",
        "Days before uploaded originals (uploads/) expire; 0 keeps them.",
        STORAGE_DEFAULTS.originalRetentionDays,
        "var.original_retention_days >= 0",
        "original_retention_days must be 0 (keep) or a number of days.",
      ),
      renderIntermediateRetentionDays: number(
        "render_intermediate_retention_days",
        "Days before render plans and chunks (renders/) expire.",
        STORAGE_DEFAULTS.renderIntermediateRetentionDays,
        "var.render_intermediate_retention_days >= 1",
        "render_intermediate_retention_days must be at least 1.",
      ),
    },
    render: fn("render", "render"),
    media: fn(
      "media",
      "media",
      MEDIA_MIN_TIMEOUT_SECONDS,
      " Also MEDIA_TIMEOUT_SECONDS (sources that could not finish in time are refused) and the TimeoutSeconds of the transcode and thumbnails tasks.",
    ),
    api: fn("api", "API"),
    apiAuthType: string(
      "api_auth_type",
      'Function URL auth: "NONE" (the function checks the bearer token) or "AWS_IAM" (SigV4-signed callers only).',
      MODULE_DEFAULTS.apiAuthType,
      {
        condition: 'contains(["NONE", "AWS_IAM"], var.api_auth_type)',
        errorMessage: 'api_auth_type must be "NONE" or "AWS_IAM".',
      },
    ),
    apiToken: string(
      "api_token",
      "API bearer token stored in SSM (SecureString). Empty: one is generated at creation.",
      "",
      {
        condition: 'var.api_token == "" || length(var.api_token) >= 32',
        errorMessage: "api_token must be empty (generated) or at least 32 characters.",
      },
      true,
    ),
    apiCorsOrigins: list(
      "api_cors_origins",
      'Origins allowed to call the API from a browser (CORS_ORIGINS), e.g. "https://app.example.com", or "*". Empty: same origin only.',
      'alltrue([for origin in var.api_cors_origins : origin == "*" || can(regex("^https?://[^/?#* ]+$", origin))])',
      'api_cors_origins must be "*" or origins like https://app.example.com (scheme and host, optional port, no path or trailing slash).',
    ),
    presignExpiresSeconds: number(
      "presign_expires_seconds",
      "Lifetime of the API's presigned S3 URLs (upload parts, project uploads, segment redirects, downloads), seconds (PRESIGN_EXPIRES_SECONDS).",
      MODULE_DEFAULTS.presignExpiresSeconds,
      `var.presign_expires_seconds >= 60 && var.presign_expires_seconds <= ${PRESIGN_MAX_SECONDS} && floor(var.presign_expires_seconds) == var.presign_expires_seconds`,
      // URLs signed with the function's role credentials stop working when those expire anyway.
      `presign_expires_seconds must be a whole number from 60 to ${PRESIGN_MAX_SECONDS} (12 hours, the longest a Lambda role's credentials last).`,
    ),
    mediaPipeline: {
      transcriptionEngine: string(
        "transcription_engine",
        'Subtitles: "aws" (Amazon Transcribe) or "none" (TRANSCRIPTION_ENGINE).',
        MEDIA_PIPELINE_DEFAULTS.transcriptionEngine,
        {
          condition: 'contains(["aws", "none"], var.transcription_engine)',
          errorMessage: 'transcription_engine must be "aws" or "none".',
        },
      ),
      transcribeLanguage: string(
        "transcribe_language",
        "Amazon Transcribe language code of the subtitles (TRANSCRIBE_LANGUAGE).",
        MEDIA_PIPELINE_DEFAULTS.transcribeLanguage,
        {
          condition: 'can(regex("^[a-z]{2,3}-[A-Z]{2}$", var.transcribe_language))',
          errorMessage: "transcribe_language must be a language code like en-US.",
        },
      ),
      generateDash: bool(
        "generate_dash",
        "Write MPEG-DASH manifests besides HLS (GENERATE_DASH).",
        MEDIA_PIPELINE_DEFAULTS.generateDash,
      ),
      generateSubtitles: bool(
        "generate_subtitles",
        'Generate WebVTT subtitles (GENERATE_SUBTITLES); always off when transcription_engine is "none".',
        MEDIA_PIPELINE_DEFAULTS.generateSubtitles,
      ),
      thumbnailWidth: wholeNumber(
        "thumbnail_width",
        "Width of the poster and sprite thumbnails in pixels (THUMBNAIL_WIDTH).",
        MEDIA_PIPELINE_DEFAULTS.thumbnailWidth,
        32,
        1920,
      ),
      spriteInterval: wholeNumber(
        "sprite_interval",
        "Seconds between sprite thumbnails (SPRITE_INTERVAL).",
        MEDIA_PIPELINE_DEFAULTS.spriteInterval,
        1,
        3600,
      ),
      spriteRows: wholeNumber(
        "sprite_rows",
        "Rows of thumbnails per sprite sheet (SPRITE_ROWS).",
        MEDIA_PIPELINE_DEFAULTS.spriteRows,
        1,
        50,
      ),
      spriteColumns: wholeNumber(
        "sprite_columns",
        "Columns of thumbnails per sprite sheet (SPRITE_COLUMNS).",
        MEDIA_PIPELINE_DEFAULTS.spriteColumns,
        1,
        50,
      ),
      ladderJson: ladderVariable(scope),
      encodePixelsPerSecond: wholeNumber(
        "media_encode_pixels_per_second",
        "Encoder throughput (width x height x fps summed over the ladder, per second) used to refuse sources the media function could not finish within its timeout (MEDIA_ENCODE_PIXELS_PER_SECOND).",
        MEDIA_PIPELINE_DEFAULTS.encodePixelsPerSecond,
        1_000_000,
        10_000_000_000,
      ),
      x264Preset: string(
        "media_x264_preset",
        "x264 preset of the media encodes: faster presets trade size for speed (MEDIA_X264_PRESET).",
        MEDIA_PIPELINE_DEFAULTS.x264Preset,
        {
          condition: `contains(${JSON.stringify(X264_PRESETS)}, var.media_x264_preset)`,
          errorMessage: `media_x264_preset must be one of ${X264_PRESETS.join(", ")}.`,
        },
      ),
    },
    runawayChunkInvocationsThreshold: number(
      "runaway_chunk_invocations_threshold",
      "Render invocations per 5 minutes above which the runaway alarm fires.",
      MODULE_DEFAULTS.runawayChunkInvocationsThreshold,
      "var.runaway_chunk_invocations_threshold >= 1",
      "runaway_chunk_invocations_threshold must be at least 1.",
    ),
    alarmEmail: string(
      "alarm_email",
      "E-mail subscribed to the alarm and job notification topic. Empty: none.",
      "",
      {
        condition: 'var.alarm_email == "" || can(regex("^[^@ ]+@[^@ ]+$", var.alarm_email))',
        errorMessage: "alarm_email must be empty or an e-mail address.",
      },
    ),
  };
}

/** The module's outputs: exactly handlers/contracts/stack-outputs.ts STACK_OUTPUTS. */
export function declareModuleOutputs(scope: Construct, module: HyperframesModule): void {
  const outputs: Record<
    (typeof STACK_OUTPUTS)[keyof typeof STACK_OUTPUTS],
    { value: string; description: string; sensitive?: boolean }
  > = {
    [STACK_OUTPUTS.bucketName]: {
      value: module.storage.bucketName,
      description: "The data bucket (projects/, renders/, outputs/, uploads/, processed/).",
    },
    [STACK_OUTPUTS.renderStateMachineArn]: {
      value: module.renderStateMachine.stateMachine.arn,
      description: "ARN of the render state machine.",
    },
    [STACK_OUTPUTS.mediaStateMachineArn]: {
      value: module.mediaStateMachine.stateMachine.arn,
      description: "ARN of the media state machine.",
    },
    [STACK_OUTPUTS.apiUrl]: { value: module.functionUrl.functionUrl, description: "The API's Function URL." },
    [STACK_OUTPUTS.apiTokenParameterName]: {
      value: module.apiTokenParameter.name,
      description: "SSM SecureString parameter holding the API bearer token.",
    },
    [STACK_OUTPUTS.region]: { value: module.account.region, description: "Region the stack is deployed in." },
    [STACK_OUTPUTS.renderFunctionName]: {
      value: module.renderFunction.fn.functionName,
      description: "Name of the render function.",
    },
    [STACK_OUTPUTS.mediaFunctionName]: {
      value: module.mediaFunction.fn.functionName,
      description: "Name of the media function.",
    },
    [STACK_OUTPUTS.apiFunctionName]: {
      value: module.apiFunction.fn.functionName,
      description: "Name of the API function.",
    },
    [STACK_OUTPUTS.operatorPolicyJson]: {
      value: module.operatorPolicyJson,
      description:
        "IAM policy (JSON) with what the CLI/TUI needs: upload inputs, start, watch and cancel jobs.",
    },
    [STACK_OUTPUTS.alarmTopicArn]: {
      value: module.alarmTopic.arn,
      description: "SNS topic receiving alarms and job completion events.",
    },
  };
  for (const [name, output] of Object.entries(outputs)) {
    new TerraformOutput(scope, name, {
      value: output.value,
      description: output.description,
      staticId: true,
    });
  }
}

function moduleProps(scope: Construct, zips: StackZips): HyperframesModuleProps {
  const assets = (name: "render" | "media" | "api"): LambdaZipAsset => ({
    source: `\${path.module}/${zipAssetPath(name)}`,
    sha256: zips.zips[name].sha256,
    sourceCodeHash: zips.zips[name].sourceCodeHash,
  });
  return {
    ...declareModuleVariables(scope),
    zips: { render: assets("render"), media: assets("media"), api: assets("api") },
    packagedEnvironment: zips.packagedEnvironment,
  };
}

/**
 * The Terraform module: variables in, outputs out, `required_providers` but no provider configuration
 * and no backend (the caller owns both). Synthesize with `new App({ skipValidation: true })`.
 */
export class HyperframesModuleStack extends TerraformStack {
  readonly module: HyperframesModule;

  constructor(scope: Construct, id: string, zips: StackZips) {
    super(scope, id);
    this.module = new HyperframesModule(this, "hyperframes", moduleProps(this, zips));
    declareModuleOutputs(this, this.module);
    this.addOverride("terraform.required_providers", { aws: AWS_PROVIDER_REQUIREMENT });
    this.addOverride("terraform.required_version", TERRAFORM_VERSION_REQUIREMENT);
    // CDKTF adds a local backend with an absolute path to every stack: a module has none.
    this.addOverride("terraform.backend", undefined);
  }
}

/** The deployable root stack: the same module plus the AWS provider (region variable) and a local backend. */
export class HyperframesRootStack extends TerraformStack {
  readonly module: HyperframesModule;

  constructor(scope: Construct, id: string, zips: StackZips) {
    super(scope, id);
    const region = new TerraformVariable(this, "region-variable", {
      type: "string",
      description: "AWS region to deploy to.",
      default: "us-east-1",
      nullable: false,
      validation: [
        {
          condition: 'can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))',
          errorMessage: "region must look like us-east-1.",
        },
      ],
    });
    // Same Terraform name as the `region` output: ids differ, logical names do not clash in Terraform.
    region.overrideLogicalId("region");
    new AwsProvider(this, "aws", { region: region.stringValue });
    new LocalBackend(this, { path: "terraform.tfstate" });
    this.module = new HyperframesModule(this, "hyperframes", moduleProps(this, zips));
    declareModuleOutputs(this, this.module);
    this.addOverride("terraform.required_providers.aws", AWS_PROVIDER_REQUIREMENT);
    this.addOverride("terraform.required_version", TERRAFORM_VERSION_REQUIREMENT);
  }
}
