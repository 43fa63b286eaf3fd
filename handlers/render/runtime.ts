import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppError } from "../contracts/errors.js";
import { configureProducerBinaries } from "../shared/binaries.js";
import { currentDescendants, killNewDescendants } from "../shared/process-tree.js";

/** The part of the Lambda context we use; local callers may pass nothing. */
export interface LambdaContextLike {
  getRemainingTimeInMillis?: () => number;
  awsRequestId?: string;
}

export const CHROME_PATH_ENV = "PRODUCER_HEADLESS_SHELL_PATH";

/**
 * Once per process: our ffmpeg/ffprobe for the producer, and Chromium from @sparticuz/chromium unless
 * PRODUCER_HEADLESS_SHELL_PATH is already set (the local cloud may set it to skip the unpack). The
 * producer reads both from process.env, so this is the one place that writes process.env.
 */
export async function prepareProducerRuntime(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  configureProducerBinaries(env);
  if (!env[CHROME_PATH_ENV]) {
    const { default: chromium } = await import("@sparticuz/chromium");
    env[CHROME_PATH_ENV] = await chromium.executablePath();
  }
}

/**
 * Defaults for the producer's capture parallelism inside ONE chunk. The producer sizes its capture
 * workers (one Chromium each) from the CPU count and these two variables, read from process.env when
 * renderChunkV2 starts: under 60 frames 1 worker, from PRODUCER_MIN_PARALLEL_FRAMES (default 120) frames
 * a floor of 2. At our default chunkSize (240) every chunk would run 2 Chromiums (plus a probe boot), and
 * with chunks already running in parallel (the Map) that oversubscribes the cores. So a chunk gets one
 * capture worker: PRODUCER_MAX_WORKERS caps the worker count, and a PRODUCER_MIN_PARALLEL_FRAMES above
 * any chunk size (RENDER_LIMITS.maxChunkSize) removes the floor of 2 (the cap alone does not). A value
 * already in the env (non-empty) wins. Neither is part of the plan (its runtime env snapshot covers only
 * PRODUCER_RUNTIME_* / PRODUCER_RENDER_*), so the plan hash does not depend on them.
 */
export const CHUNK_CAPTURE_ENV_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  PRODUCER_MAX_WORKERS: "1",
  PRODUCER_MIN_PARALLEL_FRAMES: "100000",
});

interface ScopedDefaults {
  active: number;
  /** The keys this scope filled, with the value it wrote. */
  applied: Map<string, string>;
}
const scopes = new WeakMap<NodeJS.ProcessEnv, ScopedDefaults>();

/**
 * Runs `work` with `defaults` filled into `env` where a key is unset or empty, and removes exactly those
 * fills afterwards, so nothing else in the process (e.g. an in-process render) sees them. Overlapping
 * calls on one env (concurrent chunks in one process) share the fills; the last one out removes them. A
 * key changed meanwhile by someone else is left alone.
 */
export async function withEnvDefaults<T>(
  defaults: Readonly<Record<string, string>>,
  work: () => Promise<T>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  let scope = scopes.get(env);
  if (!scope) {
    scope = { active: 0, applied: new Map() };
    scopes.set(env, scope);
  }
  for (const [key, value] of Object.entries(defaults)) {
    if (env[key] === undefined || env[key] === "") {
      env[key] = value;
      scope.applied.set(key, value);
    }
  }
  scope.active++;
  try {
    return await work();
  } finally {
    scope.active--;
    if (scope.active === 0) {
      for (const [key, value] of scope.applied) {
        if (env[key] === value) delete env[key];
      }
      scope.applied.clear();
    }
  }
}

/** `work` with one capture worker per chunk unless the env says otherwise (CHUNK_CAPTURE_ENV_DEFAULTS). */
export const withChunkCaptureDefaults = <T>(
  work: () => Promise<T>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> => withEnvDefaults(CHUNK_CAPTURE_ENV_DEFAULTS, work, env);

/** Runs `work` in a fresh temp folder that is removed afterwards, whatever happens. */
export async function withTempDir<T>(
  root: string | undefined,
  prefix: string,
  work: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(root ?? tmpdir(), prefix));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `work` until it settles or the invocation is about to time out (`remaining - marginMs`). On
 * timeout the signal aborts, every child process started meanwhile (Chromium, ffmpeg) is killed, and
 * INVOCATION_TIMEOUT is thrown. Without a context there is no deadline.
 */
export async function withDeadline<T>(
  context: LambdaContextLike | undefined,
  marginMs: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const remaining = context?.getRemainingTimeInMillis?.();
  if (remaining === undefined) return work(controller.signal);
  const budget = Math.max(0, remaining - marginMs);
  const before = new Set(currentDescendants());
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort(new Error("invocation deadline"));
      killNewDescendants(before);
      reject(
        new AppError(
          "INVOCATION_TIMEOUT",
          `The step did not finish within its ${Math.round(remaining / 1000)} s budget.`,
        ),
      );
    }, budget);
  });
  const running = work(controller.signal);
  running.catch(() => undefined);
  try {
    return await Promise.race([running, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
