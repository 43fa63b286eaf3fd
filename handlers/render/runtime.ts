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
