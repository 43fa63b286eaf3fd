import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { z } from "zod";

/**
 * How clients find the local cloud: a data folder (`.hyperframes/` under the working directory unless
 * HYPERFRAMES_HOME says otherwise) holding its state and `endpoints.json`, written by `local up` or by
 * an in-process instance, removed when it stops.
 */
export const ENDPOINTS_FILE_NAME = "endpoints.json";
/** The local S3 server accepts any signature; these are the credentials its clients send. */
export const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;
export const LOCAL_REGION = "us-east-1";
export const LOCAL_ACCOUNT_ID = "000000000000";
export const LOCAL_BUCKET = "hyperframes-local";

export function dataDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  return env.HYPERFRAMES_HOME ? resolve(cwd, env.HYPERFRAMES_HOME) : join(cwd, ".hyperframes");
}

export const EndpointsFileSchema = z.object({
  s3Endpoint: z.string().url(),
  sfnEndpoint: z.string().url(),
  apiEndpoint: z.string().url().nullable(),
  /** The Lambda Invoke API (`@aws-sdk/client-lambda`); optional so files written before it still parse. */
  lambdaEndpoint: z.string().url().optional(),
  apiToken: z.string().min(16),
  bucket: z.string(),
  region: z.string(),
  renderStateMachineArn: z.string(),
  mediaStateMachineArn: z.string(),
  dataDir: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
});
export type EndpointsFile = z.infer<typeof EndpointsFileSchema>;

export const endpointsFilePath = (dir: string): string => join(dir, ENDPOINTS_FILE_NAME);

/** The running instance's endpoints, or undefined when none is recorded or its process is gone. */
export async function readEndpointsFile(dir: string): Promise<EndpointsFile | undefined> {
  let text: string;
  try {
    text = await readFile(endpointsFilePath(dir), "utf8");
  } catch {
    return undefined;
  }
  const parsed = EndpointsFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success || !isProcessAlive(parsed.data.pid)) return undefined;
  return parsed.data;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Local function and state machine ARNs. The local cloud resolves a Task's FunctionName by its last segment. */
export const LOCAL_FUNCTION_NAMES = ["render", "media", "api"] as const;
export type LocalFunctionName = (typeof LOCAL_FUNCTION_NAMES)[number];
export const localFunctionArn = (name: LocalFunctionName): string =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${name}`;
export const localStateMachineArn = (name: "render" | "media"): string =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:hyperframes-${name}`;
