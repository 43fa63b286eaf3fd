import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, unlink, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { PREFIXES } from "../handlers/contracts/bucket-layout.js";
import { ENV } from "../handlers/contracts/handler-environment.js";
import type { UploadEvent } from "../handlers/contracts/media-events.js";
import { CHROME_PATH_ENV } from "../handlers/render/runtime.js";
import { mediaStateMachine } from "../modules/state-machines/media.js";
import { renderStateMachine } from "../modules/state-machines/render.js";
import { unpackedChromium } from "./chromium.js";
import {
  type EndpointsFile,
  endpointsFilePath,
  LOCAL_ACCOUNT_ID,
  LOCAL_BUCKET,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localFunctionArn,
  localStateMachineArn,
} from "./discovery.js";
import { defaultFunctions } from "./functions.js";
import { startLambdaApiServer } from "./lambda/api-server.js";
import { acquireDataDirLock } from "./lock.js";
import { nodeBinary } from "./node-binary.js";
import { type S3ObjectCreated, startS3Server } from "./s3/start-s3-server.js";
import { startSfnApiServer } from "./sfn/api-server.js";
import { type StateMachineRegistration, StepFunctionsEngine } from "./sfn/engine.js";
import { ExecutionStore } from "./sfn/execution-store.js";
import { type InvocationRecord, type LocalFunctionConfig, WorkerPool } from "./workers/worker-pool.js";

export interface StartLocalCloudOptions {
  dataDir: string;
  /** Diagnostics (never stdout). */
  log?: (line: string) => void;
  /** Workers running at once (default: the number of cores). */
  concurrency?: number;
  /** Replace or add functions (tests); default: handlers/<render|media|api>/index.ts that exist. */
  functions?: Record<string, LocalFunctionConfig>;
  /** Replace or add state machines (tests); default: render and media from modules/state-machines. */
  stateMachines?: StateMachineRegistration[];
  /** Fixed ports (default: free ports). */
  ports?: { s3?: number; sfn?: number; api?: number; lambda?: number };
  /** Whether uploads/ objects start the media workflow (default true). */
  uploadTrigger?: boolean;
  /** Also pass the workers' output lines to `log` (default: only with HYPERFRAMES_DEBUG); always in `<dataDir>/logs/workers.log`. */
  workerLogs?: boolean;
}

/** What an upload event led to (for diagnostics and tests). */
export interface UploadTriggerOutcome {
  event: UploadEvent;
  ok: boolean;
  result?: unknown;
  error?: { name: string; message: string };
}

export interface LocalCloudHandle {
  readonly endpoints: EndpointsFile;
  /** Stops servers and workers (no Chromium or ffmpeg outlives it) and removes the endpoints file. */
  stop(): Promise<void>;
  /** Runs one function once, as `sam local invoke` does (`hyperframes-tui invoke`). */
  invoke(functionName: string, event: unknown): Promise<unknown>;
  /** Billing facts of every invocation so far (duration, memory), for cost figures. */
  readonly invocations: readonly InvocationRecord[];
  /** The media trigger's outcomes so far, in order. */
  readonly uploadTriggers: readonly UploadTriggerOutcome[];
  /** Resolves when every upload event received so far has been handled. */
  settleUploads(): Promise<void>;
  /** The Step Functions engine (in-process callers and tests). */
  readonly engine: StepFunctionsEngine;
}

interface TranscribeServer {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts local/transcribe when this checkout has it (the media issue's module). */
async function startTranscribe(
  s3Endpoint: string,
  log: (line: string) => void,
): Promise<TranscribeServer | undefined> {
  const modulePath = "./transcribe/index.js";
  let mod: {
    startLocalTranscribe?: (options: {
      s3Endpoint: string;
      log?: (line: string) => void;
    }) => Promise<TranscribeServer>;
  };
  try {
    mod = (await import(modulePath)) as typeof mod;
  } catch {
    return undefined;
  }
  if (!mod.startLocalTranscribe) return undefined;
  try {
    return await mod.startLocalTranscribe({ s3Endpoint, log });
  } catch (err) {
    log(`local transcription unavailable: ${(err as Error).message}`);
    return undefined;
  }
}

/** The state machines the module deploys, pointed at the local functions. */
export function defaultStateMachines(): StateMachineRegistration[] {
  return [
    {
      name: "hyperframes-render",
      arn: localStateMachineArn("render"),
      definition: renderStateMachine({ renderFunctionArn: localFunctionArn("render") }) as unknown as Record<
        string,
        unknown
      >,
    },
    {
      name: "hyperframes-media",
      arn: localStateMachineArn("media"),
      definition: mediaStateMachine({ mediaFunctionArn: localFunctionArn("media") }) as unknown as Record<
        string,
        unknown
      >,
    },
  ];
}

/** Environment every worker starts with: a clean AWS setup pointing at the local services. */
export function workerEnvironment(
  base: NodeJS.ProcessEnv,
  endpoints?: EndpointsFile,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined) continue;
    // Ambient AWS settings must never leak into the local cloud's functions.
    if (
      key.startsWith("AWS_") ||
      key === "NODE_OPTIONS" ||
      key.startsWith("HYPERFRAMES_") ||
      key.startsWith("VITEST")
    )
      continue;
    env[key] = value;
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_EC2_METADATA_DISABLED: "true",
    [ENV.s3ForcePathStyle]: "true",
    [ENV.bucketName]: LOCAL_BUCKET,
    [ENV.renderStateMachineArn]: localStateMachineArn("render"),
    [ENV.mediaStateMachineArn]: localStateMachineArn("media"),
    ...(endpoints
      ? {
          AWS_ENDPOINT_URL_S3: endpoints.s3Endpoint,
          AWS_ENDPOINT_URL_SFN: endpoints.sfnEndpoint,
          ...(endpoints.lambdaEndpoint ? { AWS_ENDPOINT_URL_LAMBDA: endpoints.lambdaEndpoint } : {}),
          [ENV.apiToken]: endpoints.apiToken,
        }
      : {}),
  };
}

/**
 * Starts the local cloud for a data folder: S3 (s3rver, data in `<dataDir>/s3`), the Step Functions API
 * (executions in `<dataDir>/stepfunctions`), Lambda-like workers, the upload trigger and, when its
 * handler exists, the API's Function URL. Writes `<dataDir>/endpoints.json`; `stop()` undoes it all.
 */
export async function startLocalCloud(options: StartLocalCloudOptions): Promise<LocalCloudHandle> {
  const log = options.log ?? (() => {});
  const dir = options.dataDir;
  await mkdir(dir, { recursive: true });
  const releaseLock = await acquireDataDirLock(dir);
  const cleanups: Array<() => Promise<void>> = [releaseLock];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((err: Error) => log(`stopping: ${err.message}`));
    }
  };
  try {
    const nodePath = nodeBinary();
    const functions = { ...defaultFunctions(), ...options.functions };
    const env = workerEnvironment(process.env);
    const invocations: InvocationRecord[] = [];
    await mkdir(join(dir, "logs"), { recursive: true });
    const workerLog = createWriteStream(join(dir, "logs", "workers.log"), { flags: "a" });
    cleanups.push(() => new Promise<void>((resolve) => workerLog.end(() => resolve())));
    const invocationLog = createWriteStream(join(dir, "logs", "invocations.jsonl"), { flags: "a" });
    cleanups.push(() => new Promise<void>((resolve) => invocationLog.end(() => resolve())));
    const echoWorkers = options.workerLogs ?? Boolean(process.env.HYPERFRAMES_DEBUG);
    // Render workers share one completely unpacked Chromium (see chromium.ts): unpacked once, on first need.
    let chromium: Promise<Record<string, string> | undefined> | undefined;
    const prepare = async (fn: LocalFunctionConfig): Promise<Record<string, string> | undefined> => {
      if (fn.name !== "render" || process.env[CHROME_PATH_ENV]) return undefined;
      chromium ??= unpackedChromium(nodePath).then(
        (path) => ({ [CHROME_PATH_ENV]: path }),
        (err: Error) => {
          log(`Chromium unpack failed (${err.message}); render workers unpack their own`);
          return undefined;
        },
      );
      return chromium;
    };
    const pool = new WorkerPool({
      functions,
      concurrency: options.concurrency ?? availableParallelism(),
      env,
      nodePath,
      prepare,
      log: (line) => {
        workerLog.write(`${new Date().toISOString()} ${line}\n`);
        if (echoWorkers) log(line);
      },
      onInvocation: (record) => {
        invocations.push(record);
        // Billing facts (duration, billed duration, memory) for cost figures, one JSON line each.
        invocationLog.write(`${JSON.stringify(record)}\n`);
      },
    });
    cleanups.push(() => pool.stop());

    const uploadTriggers: UploadTriggerOutcome[] = [];
    const pendingUploads = new Set<Promise<void>>();
    const triggerEnabled = options.uploadTrigger !== false;
    const onObjectCreated = (created: S3ObjectCreated) => {
      // Only uploads start the media workflow; the pipeline never writes under uploads/.
      if (!triggerEnabled || created.bucket !== LOCAL_BUCKET || !created.key.startsWith(PREFIXES.uploads))
        return;
      const event: UploadEvent = { bucket: created.bucket, key: created.key, size: created.size };
      if (!functions.media) {
        log(`upload ${created.key}: no media function in this checkout; nothing started`);
        return;
      }
      const handled = pool
        .invoke("media", { Action: "ingest", ...event }, { tag: "upload-trigger" })
        .then(
          (result) => {
            uploadTriggers.push({ event, ok: true, result });
            log(`upload ${created.key}: ingested`);
          },
          (err: Error) => {
            uploadTriggers.push({ event, ok: false, error: { name: err.name, message: err.message } });
            log(`upload ${created.key}: ingest failed: ${err.name}: ${err.message}`);
          },
        )
        .finally(() => pendingUploads.delete(handled));
      pendingUploads.add(handled);
    };

    const s3 = await startS3Server({
      directory: join(dir, "s3"),
      bucket: LOCAL_BUCKET,
      nodePath,
      port: options.ports?.s3,
      onObjectCreated,
      log,
    });
    cleanups.push(() => s3.stop());

    // Amazon Transcribe's stand-in (local/transcribe, pocketsphinx); without it subtitles are skipped.
    const transcribe = await startTranscribe(s3.endpoint, log);
    if (transcribe) {
      cleanups.push(() => transcribe.stop());
      env.AWS_ENDPOINT_URL_TRANSCRIBE = transcribe.endpoint;
      env[ENV.transcriptionEngine] = "pocketsphinx";
    } else {
      env[ENV.transcriptionEngine] = "none";
    }

    const engine = await StepFunctionsEngine.create({
      store: new ExecutionStore(join(dir, "stepfunctions")),
      pool,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      stateMachines: options.stateMachines ?? defaultStateMachines(),
      log,
    });
    cleanups.push(() => engine.close());
    const sfn = await startSfnApiServer(engine, options.ports?.sfn);
    cleanups.push(() => sfn.close());
    // The Lambda Invoke API, so clients (`hyperframes-tui invoke`) run functions through @aws-sdk/client-lambda.
    const lambda = await startLambdaApiServer(pool, options.ports?.lambda);
    cleanups.push(() => lambda.close());

    const apiToken = randomBytes(24).toString("hex");
    env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    env.AWS_ENDPOINT_URL_SFN = sfn.endpoint;
    env.AWS_ENDPOINT_URL_LAMBDA = lambda.endpoint;
    env[ENV.apiToken] = apiToken;

    let apiEndpoint: string | null = null;
    if (functions.api) {
      const { startFunctionUrlServer } = await import("./function-url/index.js");
      const api = await startFunctionUrlServer({
        handler: (event) => pool.invoke("api", event),
        port: options.ports?.api ?? 0,
        timeoutMs: (functions.api.timeoutSeconds + 5) * 1000,
        log,
      });
      apiEndpoint = api.url;
      cleanups.push(() => api.stop());
    }

    const endpoints: EndpointsFile = {
      s3Endpoint: s3.endpoint,
      sfnEndpoint: sfn.endpoint,
      apiEndpoint,
      lambdaEndpoint: lambda.endpoint,
      apiToken,
      bucket: LOCAL_BUCKET,
      region: LOCAL_REGION,
      renderStateMachineArn: localStateMachineArn("render"),
      mediaStateMachineArn: localStateMachineArn("media"),
      dataDir: dir,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    const endpointsPath = endpointsFilePath(dir);
    await writeFile(endpointsPath, `${JSON.stringify(endpoints, null, 2)}\n`);
    cleanups.push(async () => {
      if (existsSync(endpointsPath)) await unlink(endpointsPath);
    });
    log(
      `local cloud up: S3 ${s3.endpoint}, Step Functions ${sfn.endpoint}, Lambda ${lambda.endpoint}${apiEndpoint ? `, API ${apiEndpoint}` : ""} (data in ${dir})`,
    );

    let stopping: Promise<void> | undefined;
    return {
      endpoints,
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
      invoke: (functionName, event) => pool.invoke(functionName, event, { tag: "invoke" }),
      invocations,
      uploadTriggers,
      settleUploads: async () => {
        while (pendingUploads.size > 0) await Promise.all([...pendingUploads]);
      },
      engine,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
