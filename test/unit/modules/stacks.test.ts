import { TerraformStack, Testing } from "cdktf";
import { beforeAll, describe, expect, it } from "vitest";
import { readApiConfig } from "../../../handlers/api/config.js";
import { API_DEFAULTS } from "../../../handlers/contracts/api-settings.js";
import { LAMBDA_RUNTIME_ERROR_NAMES, RETRYABLE_ERROR_NAMES } from "../../../handlers/contracts/errors.js";
import { DEFAULT_LADDER, MEDIA_CONFIG_DEFAULTS } from "../../../handlers/contracts/media-settings.js";
import { STACK_OUTPUTS } from "../../../handlers/contracts/stack-outputs.js";
import { readMediaConfig } from "../../../handlers/media/config.js";
import { HyperframesModule } from "../../../modules/hyperframes-module.js";
import { HyperframesModuleStack, HyperframesRootStack } from "../../../modules/stacks.js";
import {
  FAKE_MODULE_ZIPS,
  FAKE_ZIPS,
  resourcesOf,
  type Statement,
  type SynthJson,
  statementsOf,
  synthModule,
} from "./fake-zips.js";

/** A Terraform interpolation, `${expression}`. */
const tf = (expression: string): string => `$\{${expression}}`;

const synthStack = (kind: "module" | "root"): SynthJson => {
  const app = Testing.app({ stackTraces: false });
  const stack =
    kind === "module"
      ? new HyperframesModuleStack(app, "m", FAKE_ZIPS)
      : new HyperframesRootStack(app, "r", FAKE_ZIPS);
  return JSON.parse(Testing.synth(stack)) as SynthJson;
};

const allRolePolicies = (synth: SynthJson): { name: string; statements: Statement[] }[] =>
  resourcesOf(synth, "aws_iam_role_policy").map((policy) => ({
    name: String(policy.name),
    statements: statementsOf(policy.policy),
  }));

describe("module stack (Terraform module)", () => {
  let synth: SynthJson;
  beforeAll(() => {
    synth = synthStack("module");
  });

  it("declares required_providers but neither a provider configuration nor a backend", () => {
    expect(synth.provider).toBeUndefined();
    expect(synth.terraform?.backend).toBeUndefined();
    expect(synth.terraform?.required_providers).toEqual({
      aws: { source: "hashicorp/aws", version: ">= 6.25, < 7.0" },
    });
  });

  it("outputs exactly the contract's names, each described", () => {
    expect(Object.keys(synth.output ?? {}).sort()).toEqual(Object.values(STACK_OUTPUTS).sort());
    for (const output of Object.values(synth.output ?? {})) expect(output.description).toMatch(/\w{3}/);
  });

  it("types and describes every variable; validates the constrained ones", () => {
    const variables = Object.entries(synth.variable ?? {});
    expect(variables.length).toBeGreaterThan(20);
    for (const [name, variable] of variables) {
      expect(variable.type, name).toMatch(
        /^(string|number|bool|list\(string\)|map\(string\)|list\(object\(.*\)\))$/,
      );
      expect(variable.description, name).toMatch(/\w{3}/);
    }
    for (const name of [
      "name_prefix",
      "render_memory_mb",
      "render_timeout_seconds",
      "api_auth_type",
      "kms_key_arn",
      "presign_expires_seconds",
      "api_cors_origins",
      "thumbnail_width",
      "sprite_interval",
      "sprite_rows",
      "sprite_columns",
      "media_encode_pixels_per_second",
      "media_x264_preset",
      "transcribe_language",
    ]) {
      expect(synth.variable?.[name]?.validation, name).toHaveLength(1);
    }
    expect(synth.variable?.ladder?.validation?.length).toBeGreaterThanOrEqual(4);
    expect(synth.variable?.force_destroy?.default).toBe(false);
  });

  it("reads Lambda zips from the module's own folder", () => {
    const sources = resourcesOf(synth, "aws_s3_object").map((object) => object.source);
    expect(sources.sort()).toEqual([
      `${tf("path.module")}/assets/api.zip`,
      `${tf("path.module")}/assets/media.zip`,
      `${tf("path.module")}/assets/render.zip`,
    ]);
  });
});

describe("root stack (deployable)", () => {
  it("configures the AWS provider from the region variable and keeps the same outputs", () => {
    const synth = synthStack("root");
    expect(synth.provider).toEqual({ aws: [{ region: tf("var.region") }] });
    expect(synth.variable?.region?.default).toBe("us-east-1");
    expect(Object.keys(synth.output ?? {}).sort()).toEqual(Object.values(STACK_OUTPUTS).sort());
  });
});

describe("HyperframesModule contracts", () => {
  let synth: SynthJson;
  beforeAll(() => {
    synth = synthModule();
  });

  it("blocks public access on every bucket", () => {
    const blocks = resourcesOf(synth, "aws_s3_bucket_public_access_block");
    expect(blocks).toHaveLength(resourcesOf(synth, "aws_s3_bucket").length);
    for (const block of blocks) {
      expect(block).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
    }
  });

  it("denies non-TLS access on every bucket, and encrypts them", () => {
    const policies = resourcesOf(synth, "aws_s3_bucket_policy").map((policy) => statementsOf(policy.policy));
    expect(policies).toHaveLength(2);
    for (const statements of policies) {
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    }
    expect(resourcesOf(synth, "aws_s3_bucket_server_side_encryption_configuration")).toHaveLength(2);
  });

  it("keeps force_destroy off on the data bucket by default and expires render intermediates", () => {
    const buckets = resourcesOf(synth, "aws_s3_bucket");
    expect(buckets.filter((bucket) => bucket.force_destroy === false)).toHaveLength(1);
    const [lifecycle] = resourcesOf(synth, "aws_s3_bucket_lifecycle_configuration");
    expect(JSON.stringify(lifecycle)).toContain('"prefix":"renders/"');
    expect(JSON.stringify(lifecycle)).toContain("abort_incomplete_multipart_upload");
  });

  it("never allows s3:* or a wildcard action, and uses Resource * only for APIs without resource scope", () => {
    const unscopable = /^(xray|logs):/;
    for (const { name, statements } of allRolePolicies(synth)) {
      for (const statement of statements) {
        expect(statement.Effect).toBe("Allow");
        for (const action of statement.Action) {
          expect(action, name).not.toMatch(/^(s3:\*|\*|[a-z]+:\*)$/);
        }
        const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
        if (resources.includes("*")) {
          for (const action of statement.Action)
            expect(action, `${name}: ${action} on *`).toMatch(unscopable);
        }
      }
    }
  });

  it("scopes each function's S3 access to the prefixes it uses", () => {
    const s3Resources = (role: string) =>
      resourcesOf(synth, "aws_iam_role_policy")
        .filter((policy) => policy.name === "s3" && String(policy.role).includes(`${role}-function`))
        .flatMap((policy) => statementsOf(policy.policy))
        .flatMap((statement) =>
          Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource],
        )
        .filter((resource) => resource.endsWith("*"))
        .map((resource) => resource.replace(/^.*\}\//, ""));
    expect(new Set(s3Resources("render"))).toEqual(new Set(["projects/*", "renders/*", "outputs/*"]));
    expect(new Set(s3Resources("media"))).toEqual(new Set(["uploads/*", "processed/*"]));
  });

  it("lets each state machine invoke only its own function", () => {
    const invoke = allRolePolicies(synth).filter((policy) => policy.name === "invoke");
    expect(invoke).toHaveLength(2);
    const resources = invoke.map((policy) => String(policy.statements[0]?.Resource ?? ""));
    expect(resources.some((r) => r.includes("render-function") && !r.includes("media-function"))).toBe(true);
    expect(resources.some((r) => r.includes("media-function") && !r.includes("render-function"))).toBe(true);
  });

  it("gives the media function StartExecution on the media state machine only", () => {
    const [start] = allRolePolicies(synth).filter((policy) => policy.name === "start-media-workflow");
    expect(start?.statements[0]?.Action).toEqual(["states:StartExecution"]);
    expect(String(start?.statements[0]?.Resource)).toMatch(/stateMachine:test-media$/);
  });

  it("embeds state machines whose tasks retry exactly the transient errors and time out", () => {
    const machines = resourcesOf(synth, "aws_sfn_state_machine");
    expect(machines).toHaveLength(2);
    const render = JSON.parse(String(machines.find((m) => m.name === "test-render")?.definition)) as {
      States: Record<string, { Type: string; Retry?: { ErrorEquals: string[] }[]; TimeoutSeconds?: number }>;
    };
    const plan = render.States.Plan;
    expect(plan?.TimeoutSeconds).toBe(930);
    expect(new Set(plan?.Retry?.[0]?.ErrorEquals)).toEqual(
      new Set([...RETRYABLE_ERROR_NAMES, ...LAMBDA_RUNTIME_ERROR_NAMES]),
    );
  });

  it("runs every function on x86_64 with tracing, from S3, with the contract's environment", () => {
    const functions = resourcesOf(synth, "aws_lambda_function");
    expect(functions).toHaveLength(3);
    for (const fn of functions) {
      expect(fn).toMatchObject({
        architectures: ["x86_64"],
        runtime: "nodejs22.x",
        tracing_config: { mode: "Active" },
      });
      expect(fn.s3_bucket).toBeTruthy();
      // The key is read from the uploaded object, so the function waits for its code.
      expect(fn.s3_key).toMatch(/^\$\{aws_s3_object\..*\.key\}$/);
    }
    for (const object of resourcesOf(synth, "aws_s3_object")) {
      expect(object.key).toMatch(/^lambda\/(render|media|api)-[0-9a-f]{16}\.zip$/);
    }
    const env = (name: string) =>
      (
        (functions.find((fn) => fn.function_name === `test-${name}`)?.environment ?? { variables: {} }) as {
          variables: Record<string, string>;
        }
      ).variables;
    expect(Object.keys(env("media")).sort()).toEqual(
      [
        "BUCKET_NAME",
        "MEDIA_STATE_MACHINE_ARN",
        "TRANSCRIPTION_ENGINE",
        "TRANSCRIBE_LANGUAGE",
        "GENERATE_DASH",
        "GENERATE_SUBTITLES",
        "THUMBNAIL_WIDTH",
        "SPRITE_INTERVAL",
        "SPRITE_ROWS",
        "SPRITE_COLUMNS",
        "LADDER",
        "MEDIA_TIMEOUT_SECONDS",
        "MEDIA_ENCODE_PIXELS_PER_SECOND",
        "MEDIA_X264_PRESET",
      ].sort(),
    );
    // The handler reads the module's defaults back as its own defaults.
    expect(readMediaConfig(env("media"))).toMatchObject({
      ...MEDIA_CONFIG_DEFAULTS,
      ladder: [...DEFAULT_LADDER],
      generateSubtitles: true,
    });
    expect(Object.keys(env("api")).sort()).toEqual(
      [
        "BUCKET_NAME",
        "RENDER_STATE_MACHINE_ARN",
        "API_TOKEN_PARAMETER",
        "API_AUTH_MODE",
        "CORS_ORIGINS",
        "PRESIGN_EXPIRES_SECONDS",
      ].sort(),
    );
    expect(readApiConfig(env("api"))).toMatchObject({
      authMode: "token",
      corsOrigins: [],
      presignExpiresSeconds: API_DEFAULTS.presignExpiresSeconds,
    });
  });

  it("gives the media function, MEDIA_TIMEOUT_SECONDS and the heavy media tasks one timeout", () => {
    const custom = synthModule({
      media: { timeoutSeconds: 600 },
      mediaPipeline: {
        generateDash: false,
        generateSubtitles: false,
        thumbnailWidth: 240,
        spriteInterval: 5,
        spriteRows: 4,
        spriteColumns: 6,
        ladderJson: JSON.stringify([
          { name: "540p", height: 540, videoBitrate: 1_800_000, audioBitrate: 96_000 },
        ]),
        transcribeLanguage: "fr-FR",
        encodePixelsPerSecond: 20_000_000,
        x264Preset: "faster",
      },
      presignExpiresSeconds: 300,
      apiCorsOrigins: ["https://app.example.com"],
      apiAuthType: "AWS_IAM",
    });
    const fn = (name: string) =>
      resourcesOf(custom, "aws_lambda_function").find((f) => f.function_name === `test-${name}`) as {
        timeout: number;
        environment: { variables: Record<string, string> };
      };
    const media = fn("media");
    expect(media.timeout).toBe(600);
    const config = readMediaConfig(media.environment.variables);
    expect(config).toMatchObject({
      mediaTimeoutSeconds: 600,
      generateDash: false,
      generateSubtitles: false,
      thumbnailWidth: 240,
      spriteInterval: 5,
      spriteRows: 4,
      spriteColumns: 6,
      ladder: [{ name: "540p", height: 540, videoBitrate: 1_800_000, audioBitrate: 96_000 }],
      transcribeLanguage: "fr-FR",
      encodePixelsPerSecond: 20_000_000,
      x264Preset: "faster",
    });
    const machine = resourcesOf(custom, "aws_sfn_state_machine").find((m) => m.name === "test-media");
    const states = (
      JSON.parse(String(machine?.definition)) as {
        States: Record<string, { Type: string; TimeoutSeconds?: number }>;
      }
    ).States;
    const timeouts = Object.values(states).flatMap((state) =>
      state.TimeoutSeconds === undefined ? [] : [state.TimeoutSeconds],
    );
    expect(timeouts.filter((t) => t === 600)).toHaveLength(2);
    expect(Math.max(...timeouts)).toBe(600);
    expect(readApiConfig(fn("api").environment.variables)).toMatchObject({
      authMode: "iam",
      corsOrigins: ["https://app.example.com"],
      presignExpiresSeconds: 300,
    });
  });

  it("passes Terraform variables through to the timeouts, env and the state machines' TimeoutSeconds", () => {
    const synth = synthStack("module");
    const functions = resourcesOf(synth, "aws_lambda_function") as {
      function_name: string;
      timeout: string;
      environment: { variables: Record<string, string> };
    }[];
    const media = functions.find((f) => f.timeout === tf("var.media_timeout_seconds"));
    expect(media?.environment.variables.MEDIA_TIMEOUT_SECONDS).toBe(tf("var.media_timeout_seconds"));
    expect(media?.environment.variables.LADDER).toContain("var.ladder");
    expect(media?.environment.variables.SPRITE_INTERVAL).toBe(tf("var.sprite_interval"));
    const definitions = resourcesOf(synth, "aws_sfn_state_machine").map((m) => String(m.definition));
    const mediaDefinition = definitions.find((d) => d.includes("transcribe")) ?? "";
    expect(mediaDefinition.match(/"TimeoutSeconds":\$\{var\.media_timeout_seconds\}/g)).toHaveLength(2);
    const renderDefinition = definitions.find((d) => !d.includes("transcribe")) ?? "";
    expect(
      renderDefinition.match(/"TimeoutSeconds":\$\{\(var\.render_timeout_seconds \+ 30\)\}/g),
    ).toHaveLength(3);
    // With every number substituted, the definition is JSON again.
    const substituted = mediaDefinition.replaceAll(tf("var.media_timeout_seconds"), "900");
    expect(() => JSON.parse(substituted)).not.toThrow();
    const operator = String(synth.output?.operator_policy_json?.value);
    expect(operator).toMatch(/^\$\{jsonencode\(/);
    expect(operator).toContain('(length(var.kms_key_arn) >= 1) ? [{"Sid" = "BucketKey"');
    expect(operator).toContain('(var.api_auth_type != "AWS_IAM") ? [{"Sid" = "ReadApiToken"');
  });

  it("triggers the media function from uploads/ only", () => {
    const rules = resourcesOf(synth, "aws_cloudwatch_event_rule").map(
      (rule) =>
        JSON.parse(String(rule.event_pattern)) as { source: string[]; detail: { object?: { key: unknown } } },
    );
    const upload = rules.find((rule) => rule.source[0] === "aws.s3");
    expect(upload?.detail.object?.key).toEqual([{ prefix: "uploads/" }]);
    expect(resourcesOf(synth, "aws_s3_bucket_notification")[0]).toMatchObject({ eventbridge: true });
    const [url] = resourcesOf(synth, "aws_lambda_function_url");
    expect(url?.authorization_type).toBe("NONE");
    expect(resourcesOf(synth, "aws_ssm_parameter")[0]).toMatchObject({ type: "SecureString" });
  });

  it("alarms on runaway invocations, errors, throttles, failed and timed-out executions", () => {
    const alarms = resourcesOf(synth, "aws_cloudwatch_metric_alarm").map(
      (alarm) => `${alarm.namespace}/${alarm.metric_name}`,
    );
    expect(alarms.filter((a) => a === "AWS/Lambda/Invocations")).toHaveLength(1);
    expect(alarms.filter((a) => a === "AWS/Lambda/Errors")).toHaveLength(3);
    expect(alarms.filter((a) => a === "AWS/Lambda/Throttles")).toHaveLength(3);
    expect(alarms.filter((a) => a === "AWS/States/ExecutionsFailed")).toHaveLength(2);
    expect(alarms.filter((a) => a === "AWS/States/ExecutionsTimedOut")).toHaveLength(2);
    for (const alarm of resourcesOf(synth, "aws_cloudwatch_metric_alarm"))
      expect(alarm.alarm_actions).toHaveLength(1);
  });

  it("has no provider or backend inside the construct", () => {
    const synthesized = Testing.synthScope((scope) => {
      new HyperframesModule(scope, "hf", { zips: FAKE_MODULE_ZIPS });
    });
    expect(
      Testing.toHaveResourceWithProperties(synthesized, "aws_lambda_function_url", {
        authorization_type: "NONE",
      }),
    ).toBe(true);
    const parsed = JSON.parse(synthesized) as SynthJson;
    expect(parsed.provider).toBeUndefined();
    expect(parsed.terraform?.backend).toBeUndefined();
    expect(TerraformStack).toBeDefined();
  });
});
