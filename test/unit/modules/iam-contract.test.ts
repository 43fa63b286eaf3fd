import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { TerraformOutput } from "cdktf";
import { beforeAll, describe, expect, it } from "vitest";
import type { HyperframesModuleProps } from "../../../modules/hyperframes-module.js";
import { PROJECT_ROOT } from "../../../modules/packaging/build-lambda-zips.js";
import { resourcesOf, type Statement, type SynthJson, statementsOf, synthModule } from "./fake-zips.js";

/**
 * IAM against the code: every AWS SDK command the handlers and tui/ send maps to IAM actions, and each
 * role (and the operator policy) must grant exactly those, on exactly the listed resources. Removing a
 * needed permission, adding a wildcard, or adding a command to a handler without its permission fails.
 */

/** SDK command (or lib-storage `Upload`) -> the IAM actions it needs. */
const COMMAND_ACTIONS: Record<string, string[]> = {
  GetObjectCommand: ["s3:GetObject"],
  HeadObjectCommand: ["s3:GetObject"],
  PutObjectCommand: ["s3:PutObject"],
  CreateMultipartUploadCommand: ["s3:PutObject"],
  UploadPartCommand: ["s3:PutObject"],
  CompleteMultipartUploadCommand: ["s3:PutObject"],
  AbortMultipartUploadCommand: ["s3:AbortMultipartUpload"],
  ListPartsCommand: ["s3:ListMultipartUploadParts"],
  DeleteObjectsCommand: ["s3:DeleteObject"],
  ListObjectsCommand: ["s3:ListBucket"],
  ListObjectsV2Command: ["s3:ListBucket"],
  // lib-storage: single PUT or multipart; aborts the upload when a part fails.
  Upload: ["s3:PutObject", "s3:AbortMultipartUpload"],
  StartExecutionCommand: ["states:StartExecution"],
  DescribeExecutionCommand: ["states:DescribeExecution"],
  ListExecutionsCommand: ["states:ListExecutions"],
  StopExecutionCommand: ["states:StopExecution"],
  GetExecutionHistoryCommand: ["states:GetExecutionHistory"],
  StartTranscriptionJobCommand: ["transcribe:StartTranscriptionJob"],
  GetTranscriptionJobCommand: ["transcribe:GetTranscriptionJob"],
  GetParameterCommand: ["ssm:GetParameter"],
  InvokeCommand: ["lambda:InvokeFunction"],
};

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The IAM actions the code under `dirs` needs, from the SDK commands it constructs. */
async function actionsUsedBy(...dirs: string[]): Promise<string[]> {
  const actions = new Set<string>();
  for (const dir of dirs) {
    for (const file of await sourceFiles(join(PROJECT_ROOT, dir))) {
      const text = await readFile(file, "utf8");
      for (const [, command] of text.matchAll(/new ([A-Z][A-Za-z0-9]*Command|Upload)\(/g)) {
        const mapped = COMMAND_ACTIONS[command ?? ""];
        if (!mapped) throw new Error(`${file}: map ${command} to its IAM actions in this test`);
        for (const action of mapped) actions.add(action);
      }
    }
  }
  return [...actions].sort();
}

const KEY = "arn:aws:kms:us-east-1:111122223333:key/abc";

/** `action on resource` pairs, resources shortened: the data bucket's ARN to `bucket`, ARN tokens to names. */
function grants(statements: Statement[]): string[] {
  const short = (resource: string): string =>
    resource
      .replace(/^\$\{aws_s3_bucket\.hf_storage_bucket_\w+\.arn\}/, "bucket")
      .replace(/^arn:\$\{[^}]+\}:states:\$\{[^}]+\}:\$\{[^}]+\}:/, "states:")
      .replace(/^arn:\$\{[^}]+\}:transcribe:\$\{[^}]+\}:\$\{[^}]+\}:/, "transcribe:")
      .replace(/^\$\{aws_lambda_function\.hf_(\w+)-function_\w+\.arn\}$/, "function:$1")
      .replace(/^\$\{aws_ssm_parameter\.hf_api-token_\w+\.arn\}$/, "ssm:api-token");
  const out: string[] = [];
  for (const statement of statements) {
    expect(statement.Effect).toBe("Allow");
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const action of statement.Action)
      for (const resource of resources) out.push(`${action} on ${short(resource)}`);
  }
  return out.sort();
}

function roleGrants(synth: SynthJson, fn: "render" | "media" | "api"): string[] {
  return grants(
    resourcesOf(synth, "aws_iam_role_policy")
      .filter((policy) => String(policy.role).includes(`_${fn}-function_`))
      // The construct's own logs and X-Ray policies are checked in stacks.test.ts.
      .filter((policy) => policy.name !== "logs" && policy.name !== "xray")
      .flatMap((policy) => statementsOf(policy.policy)),
  );
}

const actionsOf = (pairs: string[]): string[] =>
  [...new Set(pairs.map((pair) => pair.split(" on ")[0] ?? pair))].sort();

describe("function roles grant exactly what the handlers call", () => {
  let synth: SynthJson;
  beforeAll(() => {
    synth = synthModule();
  });

  it("render: reads projects/ and renders/, writes renders/ and outputs/ (multipart), lists for 404s", async () => {
    const granted = roleGrants(synth, "render");
    expect(granted).toEqual(
      [
        "s3:GetObject on bucket/projects/*",
        "s3:GetObject on bucket/renders/*",
        "s3:PutObject on bucket/renders/*",
        "s3:AbortMultipartUpload on bucket/renders/*",
        "s3:PutObject on bucket/outputs/*",
        "s3:AbortMultipartUpload on bucket/outputs/*",
        "s3:ListBucket on bucket",
      ].sort(),
    );
    // Every action the code needs is granted; ListBucket is the only one it needs without calling it.
    expect(actionsOf(granted)).toEqual(
      [...new Set([...(await actionsUsedBy("handlers/render")), "s3:ListBucket"])].sort(),
    );
  });

  it("media: reads uploads/, reads/writes/deletes processed/, Transcribe, starts its own workflow", async () => {
    const granted = roleGrants(synth, "media");
    expect(granted).toEqual(
      [
        "s3:GetObject on bucket/uploads/*",
        "s3:GetObject on bucket/processed/*",
        "s3:PutObject on bucket/processed/*",
        "s3:DeleteObject on bucket/processed/*",
        "s3:ListBucket on bucket",
        "transcribe:StartTranscriptionJob on transcribe:transcription-job/*",
        "transcribe:GetTranscriptionJob on transcribe:transcription-job/*",
        "states:StartExecution on states:stateMachine:test-media",
      ].sort(),
    );
    expect(actionsOf(granted)).toEqual(await actionsUsedBy("handlers/media"));
  });

  it("api: the routes' S3 prefixes, the render workflow and its executions, the token parameter", async () => {
    const granted = roleGrants(synth, "api");
    expect(granted).toEqual(
      [
        "s3:GetObject on bucket/projects/*",
        "s3:PutObject on bucket/projects/*",
        "s3:PutObject on bucket/uploads/*",
        "s3:AbortMultipartUpload on bucket/uploads/*",
        "s3:ListMultipartUploadParts on bucket/uploads/*",
        "s3:GetObject on bucket/uploads/*",
        "s3:DeleteObject on bucket/uploads/*",
        "s3:GetObject on bucket/processed/*",
        "s3:DeleteObject on bucket/processed/*",
        "s3:GetObject on bucket/outputs/*",
        "s3:ListBucket on bucket",
        "states:StartExecution on states:stateMachine:test-render",
        "states:ListExecutions on states:stateMachine:test-render",
        "states:DescribeExecution on states:execution:test-render:*",
        "states:StopExecution on states:execution:test-render:*",
        "states:GetExecutionHistory on states:execution:test-render:*",
        "ssm:GetParameter on ssm:api-token",
      ].sort(),
    );
    expect(actionsOf(granted)).toEqual(await actionsUsedBy("handlers/api"));
  });

  it("adds the bucket's KMS key to every function only when one is given", () => {
    expect(resourcesOf(synth, "aws_iam_role_policy").filter((p) => p.name === "bucket-kms-key")).toHaveLength(
      0,
    );
    const withKey = synthModule({ storage: { kmsKeyArn: KEY } });
    for (const fn of ["render", "media", "api"] as const) {
      expect(roleGrants(withKey, fn)).toEqual(
        expect.arrayContaining([`kms:Decrypt on ${KEY}`, `kms:GenerateDataKey on ${KEY}`]),
      );
    }
  });
});

describe("operator policy (operator_policy_json)", () => {
  const TUI_GRANTS = [
    "s3:GetObject on bucket/projects/*",
    "s3:PutObject on bucket/projects/*",
    "s3:PutObject on bucket/uploads/*",
    "s3:AbortMultipartUpload on bucket/uploads/*",
    "s3:GetObject on bucket/outputs/*",
    "s3:GetObject on bucket/processed/*",
    "s3:DeleteObject on bucket/processed/*",
    "s3:ListBucket on bucket",
    "states:StartExecution on states:stateMachine:test-render",
    "states:ListExecutions on states:stateMachine:test-render",
    "states:ListExecutions on states:stateMachine:test-media",
    "states:DescribeExecution on states:execution:test-render:*",
    "states:DescribeExecution on states:execution:test-media:*",
    "states:GetExecutionHistory on states:execution:test-render:*",
    "states:GetExecutionHistory on states:execution:test-media:*",
    "states:StopExecution on states:execution:test-render:*",
    "states:StopExecution on states:execution:test-media:*",
    "lambda:InvokeFunction on function:render",
    "lambda:InvokeFunction on function:media",
    "lambda:InvokeFunction on function:api",
  ];
  const operator = (synth: SynthJson): string[] => {
    const outputs = (synth as unknown as { output?: Record<string, { value: string }> }).output;
    const moduleJson = Object.values(outputs ?? {})[0]?.value;
    return grants(statementsOf(moduleJson));
  };
  const synthOperator = (props: Partial<HyperframesModuleProps> = {}): SynthJson =>
    synthModule(props, (scope, module) => {
      new TerraformOutput(scope, "operator", { value: module.operatorPolicyJson });
    });

  it("grants exactly the actions tui/ calls, plus the API token in token mode", async () => {
    const granted = operator(synthOperator());
    expect(granted).toEqual([...TUI_GRANTS, "ssm:GetParameter on ssm:api-token"].sort());
    const tuiActions = await actionsUsedBy("tui");
    expect(actionsOf(granted.filter((g) => !g.startsWith("ssm:")))).toEqual(tuiActions);
  });

  it("in AWS_IAM mode grants InvokeFunctionUrl instead of the token; with a KMS key, the key", () => {
    const granted = operator(synthOperator({ apiAuthType: "AWS_IAM", storage: { kmsKeyArn: KEY } }));
    expect(granted).toEqual(
      [
        ...TUI_GRANTS,
        "lambda:InvokeFunctionUrl on function:api",
        `kms:Decrypt on ${KEY}`,
        `kms:GenerateDataKey on ${KEY}`,
      ].sort(),
    );
  });
});
