import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { AppError } from "../../handlers/contracts/errors.js";
import { STACK_OUTPUTS, type TargetEndpoints } from "../../handlers/contracts/stack-outputs.js";

type OutputName = (typeof STACK_OUTPUTS)[keyof typeof STACK_OUTPUTS];
type OutputValues = Partial<Record<OutputName, string>>;

/**
 * Reads stack outputs in either shape:
 * - `cdktf deploy --outputs-file`: `{ "<stack>": { "bucket_name": "..." } }` (one stack, or the one
 *   that has the outputs; nested construct paths flattened by their last segment);
 * - `terraform output -json`: `{ "bucket_name": { "value": "...", "type": "string" } }`.
 */
export function parseStackOutputs(json: unknown): OutputValues {
  if (typeof json !== "object" || json === null) return {};
  const known = new Set<string>(Object.values(STACK_OUTPUTS));
  const values: OutputValues = {};
  const visit = (node: unknown, depth: number): void => {
    if (typeof node !== "object" || node === null || depth > 4) return;
    for (const [key, value] of Object.entries(node)) {
      const name = key.split(/[_-]{2,}|\//).pop() ?? key;
      const match = known.has(key) ? key : known.has(name) ? name : undefined;
      if (match !== undefined && typeof value === "string") values[match as OutputName] = value;
      else if (match !== undefined && typeof value === "object" && value !== null && "value" in value) {
        const inner = (value as { value: unknown }).value;
        if (typeof inner === "string") values[match as OutputName] = inner;
      } else visit(value, depth + 1);
    }
  };
  visit(json, 0);
  return values;
}

/** Env overrides, one per output: HYPERFRAMES_BUCKET_NAME, HYPERFRAMES_RENDER_STATE_MACHINE_ARN, ... */
export const outputEnvName = (output: OutputName): string => `HYPERFRAMES_${output.toUpperCase()}`;

export interface AwsTargetSources {
  outputsFile?: string;
  region?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The deployed stack's endpoints from the outputs file, then env, then flags (later wins). */
export async function loadAwsTarget(sources: AwsTargetSources): Promise<TargetEndpoints> {
  const file = sources.outputsFile ?? sources.env.HYPERFRAMES_OUTPUTS_FILE;
  let values: OutputValues = {};
  if (file !== undefined && file !== "") {
    const path = resolve(sources.cwd, file);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      throw new AppError(
        "TARGET_NOT_CONFIGURED",
        `Cannot read the stack outputs file ${path}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    try {
      values = parseStackOutputs(JSON.parse(text));
    } catch (err) {
      throw new AppError(
        "TARGET_NOT_CONFIGURED",
        `The stack outputs file ${path} is not JSON: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
  for (const output of Object.values(STACK_OUTPUTS)) {
    const fromEnv = sources.env[outputEnvName(output)];
    if (fromEnv) values[output] = fromEnv;
  }
  const region = sources.region ?? values.region ?? sources.env.AWS_REGION ?? sources.env.AWS_DEFAULT_REGION;
  const missing = [
    STACK_OUTPUTS.bucketName,
    STACK_OUTPUTS.renderStateMachineArn,
    STACK_OUTPUTS.mediaStateMachineArn,
  ].filter((name) => !values[name]);
  if (missing.length > 0 || !region) {
    const what = [
      ...missing.map((name) => `${name} (or ${outputEnvName(name)})`),
      ...(region ? [] : ["region (--region or AWS_REGION)"]),
    ];
    throw new AppError(
      "TARGET_NOT_CONFIGURED",
      `--target aws needs the deployed stack's outputs; missing: ${what.join(", ")}. Pass --outputs-file <file from cdktf deploy --outputs-file or terraform output -json>.`,
    );
  }
  return {
    kind: "aws",
    region,
    bucket: values.bucket_name as string,
    renderStateMachineArn: values.render_state_machine_arn as string,
    mediaStateMachineArn: values.media_state_machine_arn as string,
    ...(values.api_url ? { apiUrl: values.api_url } : {}),
    ...(values.api_token_parameter_name ? { apiTokenParameterName: values.api_token_parameter_name } : {}),
    ...(values.render_function_name ? { renderFunctionName: values.render_function_name } : {}),
    ...(values.media_function_name ? { mediaFunctionName: values.media_function_name } : {}),
    ...(values.api_function_name ? { apiFunctionName: values.api_function_name } : {}),
  };
}
