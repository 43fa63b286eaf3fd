import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { TranscribeClient } from "@aws-sdk/client-transcribe";
import { StateMachine } from "aws-local-stepfunctions";
import { mockClient } from "aws-sdk-client-mock";
import S3rver from "s3rver";
import type { MediaExecutionInput } from "../../../handlers/contracts/media-events.js";
import { s3ClientOptions } from "../../../handlers/contracts/s3-client-options.js";
import { readMediaConfig } from "../../../handlers/media/config.js";
import type { MediaDeps } from "../../../handlers/media/deps.js";
import { makeMediaHandler } from "../../../handlers/media/index.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../local/discovery.js";
import { makePutsAtomic } from "../../../local/s3/atomic-puts.js";
import {
  type MediaStateMachineDefinition,
  mediaStateMachine,
} from "../../../modules/state-machines/media.js";

export const BUCKET = "media-test";
export const FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:media";
export const STATE_MACHINE_ARN = "arn:aws:states:us-east-1:000000000000:stateMachine:hyperframes-media";
export const FIXTURES = new URL("../../../fixtures/videos/", import.meta.url).pathname;

/** A small ladder so tests stay fast: 360p, 240p, 180p. */
export const TEST_LADDER = [
  { name: "360p", height: 360, videoBitrate: 600_000, audioBitrate: 64_000 },
  { name: "240p", height: 240, videoBitrate: 350_000, audioBitrate: 64_000 },
  { name: "180p", height: 180, videoBitrate: 200_000, audioBitrate: 64_000 },
];

export interface S3Harness {
  endpoint: string;
  s3: S3Client;
  dir: string;
  stop(): Promise<void>;
}

export async function startS3(): Promise<S3Harness> {
  const dir = await mkdtemp(join(tmpdir(), "media-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    directory: join(dir, "data"),
    silent: true,
    configureBuckets: [],
  });
  makePutsAtomic(server);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const s3 = new S3Client(
    s3ClientOptions({ endpoint, forcePathStyle: true, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  return {
    endpoint,
    s3,
    dir,
    async stop() {
      s3.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function uploadFixture(s3: S3Client, fixture: string, key: string): Promise<number> {
  const body = await readFile(join(FIXTURES, fixture));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return body.length;
}

export async function uploadBytes(s3: S3Client, key: string, body: Buffer | string): Promise<number> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return Buffer.byteLength(body);
}

export async function listAll(s3: S3Client, prefix = ""): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, MaxKeys: 1000 }));
  for (const item of page.Contents ?? []) if (item.Key) out.set(item.Key, item.Size ?? 0);
  return out;
}

/**
 * Everything configured from env only, like a worker process: the handler's real config reader, real
 * S3 and Transcribe clients (endpoints via AWS_ENDPOINT_URL_*), and a Step Functions client faked at the
 * SDK edge that records StartExecution (the test then runs the ASL itself).
 */
export function mediaDeps(options: {
  s3: S3Harness;
  transcribeEndpoint?: string;
  env?: Record<string, string>;
  tmpDir?: string;
}): { deps: MediaDeps; started: Array<{ name: string; input: MediaExecutionInput }>; restore: () => void } {
  const env: NodeJS.ProcessEnv = {
    BUCKET_NAME: BUCKET,
    MEDIA_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
    LADDER: JSON.stringify(TEST_LADDER),
    SPRITE_INTERVAL: "1",
    SPRITE_COLUMNS: "4",
    SPRITE_ROWS: "2",
    THUMBNAIL_WIDTH: "120",
    TRANSCRIPTION_ENGINE: options.transcribeEndpoint ? "pocketsphinx" : "none",
    S3_FORCE_PATH_STYLE: "true",
    MEDIA_TIMEOUT_SECONDS: "300",
    ...options.env,
  };
  const config = readMediaConfig(env);
  const sfn = new SFNClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const sfnMock = mockClient(sfn);
  const started: Array<{ name: string; input: MediaExecutionInput }> = [];
  const names = new Set<string>();
  sfnMock.on(StartExecutionCommand).callsFake((input: { name: string; input: string }) => {
    if (names.has(input.name)) {
      const err = new Error(`Execution Already Exists: '${input.name}'`);
      err.name = "ExecutionAlreadyExists";
      throw err;
    }
    names.add(input.name);
    started.push({ name: input.name, input: JSON.parse(input.input) as MediaExecutionInput });
    return {
      executionArn: `${STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:")}:${input.name}`,
      startDate: new Date(),
    };
  });
  const transcribe = new TranscribeClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    ...(options.transcribeEndpoint ? { endpoint: options.transcribeEndpoint } : {}),
  });
  return {
    deps: { config, s3: options.s3.s3, sfn, transcribe, tmpDir: options.tmpDir, progressIntervalMs: 0 },
    started,
    restore: () => sfnMock.restore(),
  };
}

export interface MachineRun {
  output: unknown;
  error: { name: string; message: string } | undefined;
  visited: string[];
}

/** Runs the real media ASL with aws-local-stepfunctions; every Task calls the handler in-process. */
export async function runMediaMachine(deps: MediaDeps, input: MediaExecutionInput): Promise<MachineRun> {
  const definition: MediaStateMachineDefinition = mediaStateMachine({
    mediaFunctionArn: FUNCTION_ARN,
    mediaTimeoutSeconds: deps.config.mediaTimeoutSeconds,
    transcribePollSeconds: 1,
  });
  const handler = makeMediaHandler(deps);
  const visited: string[] = [];
  const taskHandlers: Record<string, (params: { Payload: unknown }) => Promise<unknown>> = {};
  const retryOverrides: Record<string, number> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== "Task") continue;
    retryOverrides[name] = 0;
    taskHandlers[name] = async (params) => {
      visited.push(name);
      return { Payload: await handler(params.Payload) };
    };
  }
  const machine = new StateMachine(definition as unknown as ConstructorParameters<typeof StateMachine>[0], {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const execution = machine.run(input, {
    overrides: {
      taskResourceLocalHandlers: taskHandlers as never,
      retryIntervalOverrides: retryOverrides,
      waitTimeOverrides: { TranscribeWait: 250 },
    },
  });
  try {
    return { output: await execution.result, error: undefined, visited };
  } catch (err) {
    const cause = (err as { cause?: { name?: string; message?: string } }).cause;
    return {
      output: undefined,
      error: { name: cause?.name ?? (err as Error).name, message: cause?.message ?? (err as Error).message },
      visited,
    };
  }
}
