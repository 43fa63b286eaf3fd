import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { descendantsOf, killInvocation, listProcesses } from "./process-tree.js";
import { type InvokeMessage, RUNTIME_ERRORS, type WorkerReply } from "./worker-protocol.js";

/** One function of the local cloud: its handler module and its Lambda settings. */
export interface LocalFunctionConfig {
  /** The function name (last segment of its ARN). */
  name: string;
  /** Absolute path of the module exporting `handler`. */
  modulePath: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** Extra environment for this function only. */
  env?: Record<string, string>;
}

/** A failed invocation, named as Lambda names it: the handler's `error.name`, or a runtime error type. */
export class InvocationError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = errorType;
  }
}

/** What an invocation cost, as Lambda bills it (duration rounded up to the millisecond). */
export interface InvocationRecord {
  requestId: string;
  functionName: string;
  /** Caller's tag (the execution ARN for state machine tasks). */
  tag: string | undefined;
  startedAt: string;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  /** "ok", or the error type. */
  outcome: string;
}

export interface InvokeOptions {
  /** Groups invocations so `killTag` can stop them (e.g. an execution ARN). */
  tag?: string;
  /** A shorter limit than the function's own (a Task's TimeoutSeconds), reported with `timeoutErrorType`. */
  timeoutSeconds?: number;
  timeoutErrorType?: string;
  /** Called when the invocation leaves the queue and its process starts. */
  onStart?: () => void;
}

export interface WorkerPoolOptions {
  functions: Readonly<Record<string, LocalFunctionConfig>>;
  /** How many workers run at once; others wait in order. */
  concurrency: number;
  /** Environment every worker gets (endpoints, credentials, bucket, ARNs). */
  env: Record<string, string>;
  /** The Node binary (Node 22). */
  nodePath: string;
  log?: (line: string) => void;
  onInvocation?: (record: InvocationRecord) => void;
}

export const INVOCATION_MARKER = "HYPERFRAMES_INVOCATION_ID";
const MEMORY_POLL_MS = 250;
const STDERR_TAIL_BYTES = 8192;

const workerEntry = fileURLToPath(new URL("./worker-entry.ts", import.meta.url));
const tsxLoader = import.meta.resolve("tsx");

interface Running {
  requestId: string;
  tag: string | undefined;
  child: ChildProcess;
  pgids: Set<number>;
  kill(errorType: string, message: string): void;
}

/**
 * Lambda-like workers: every invocation runs its function's handler in a fresh Node process (its own
 * process group) with the function's timeout and memory limit, at most `concurrency` at once. Crashes,
 * timeouts and memory overruns are reported with Lambda's own error types so the same Retry rules match.
 */
export class WorkerPool {
  private readonly queue: Array<{
    tag: string | undefined;
    start: () => void;
    cancel: (err: Error) => void;
  }> = [];
  private readonly running = new Set<Running>();
  private active = 0;
  private stopped = false;

  constructor(private readonly options: WorkerPoolOptions) {}

  get functionNames(): string[] {
    return Object.keys(this.options.functions);
  }

  /** Runs one invocation; resolves with the handler's result or rejects with an InvocationError. */
  async invoke(functionName: string, event: unknown, options: InvokeOptions = {}): Promise<unknown> {
    const fn = this.options.functions[functionName];
    if (!fn) {
      throw new InvocationError("Lambda.ResourceNotFoundException", `Function not found: ${functionName}`);
    }
    await this.acquire(options.tag);
    try {
      options.onStart?.();
      return await this.runOne(fn, event, options);
    } finally {
      this.release();
    }
  }

  /** Kills every running and queued invocation with this tag (StopExecution). */
  async killTag(
    tag: string,
    errorType = "States.Aborted",
    message = "The execution was stopped",
  ): Promise<void> {
    for (let i = this.queue.length - 1; i >= 0; i -= 1) {
      const waiting = this.queue[i];
      if (waiting?.tag === tag) {
        this.queue.splice(i, 1);
        waiting.cancel(new InvocationError(errorType, message));
      }
    }
    await Promise.all(
      [...this.running].filter((r) => r.tag === tag).map((r) => this.killRunning(r, errorType, message)),
    );
  }

  /** Kills everything and refuses new work. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const waiting of this.queue.splice(0))
      waiting.cancel(new InvocationError("Lambda.ServiceException", "The local cloud stopped"));
    await Promise.all(
      [...this.running].map((r) => this.killRunning(r, "Lambda.ServiceException", "The local cloud stopped")),
    );
  }

  private async killRunning(running: Running, errorType: string, message: string): Promise<void> {
    running.kill(errorType, message);
    await killInvocation({
      pgids: running.pgids,
      markerName: INVOCATION_MARKER,
      markerValue: running.requestId,
    });
  }

  private acquire(tag: string | undefined): Promise<void> {
    if (this.stopped)
      return Promise.reject(new InvocationError("Lambda.ServiceException", "The local cloud stopped"));
    if (this.active < this.options.concurrency) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.queue.push({
        tag,
        start: () => {
          this.active += 1;
          resolve();
        },
        cancel: reject,
      });
    });
  }

  private release(): void {
    this.active -= 1;
    const next = this.queue.shift();
    next?.start();
  }

  private runOne(fn: LocalFunctionConfig, event: unknown, options: InvokeOptions): Promise<unknown> {
    const requestId = randomUUID();
    const startedAt = new Date();
    const startNs = process.hrtime.bigint();
    const functionTimeoutMs = fn.timeoutSeconds * 1000;
    const stateTimeoutMs =
      options.timeoutSeconds !== undefined ? options.timeoutSeconds * 1000 : Number.POSITIVE_INFINITY;
    const limitMs = Math.min(functionTimeoutMs, stateTimeoutMs);
    const [timeoutType, timeoutMessage] =
      stateTimeoutMs < functionTimeoutMs
        ? [
            options.timeoutErrorType ?? "States.Timeout",
            `Task timed out after ${options.timeoutSeconds} seconds`,
          ]
        : [
            RUNTIME_ERRORS.timeout,
            `RequestId: ${requestId} Error: Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
          ];
    const memoryLimitBytes = fn.memoryMb * 1024 * 1024;

    const child = spawn(
      this.options.nodePath,
      [
        "--import",
        tsxLoader,
        `--max-old-space-size=${Math.max(64, Math.floor(fn.memoryMb * 0.9))}`,
        workerEntry,
      ],
      {
        detached: true,
        stdio: ["ignore", "pipe", "pipe", "ipc"],
        env: {
          ...this.options.env,
          ...fn.env,
          AWS_LAMBDA_FUNCTION_NAME: fn.name,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
          AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
          [INVOCATION_MARKER]: requestId,
        },
      },
    );
    const pgids = new Set<number>(child.pid !== undefined ? [child.pid] : []);
    let maxRss = 0;
    let stderrTail = "";
    const log = this.options.log;
    const forward = (stream: NodeJS.ReadableStream | null, isErr: boolean) => {
      let partial = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (text: string) => {
        if (isErr) stderrTail = (stderrTail + text).slice(-STDERR_TAIL_BYTES);
        if (!log) return;
        const lines = (partial + text).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) log(`[${fn.name} ${requestId.slice(0, 8)}] ${line}`);
      });
    };
    forward(child.stdout, false);
    forward(child.stderr, true);

    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      let forcedError: InvocationError | undefined;
      const running: Running = {
        requestId,
        tag: options.tag,
        child,
        pgids,
        kill: (errorType, message) => {
          forcedError ??= new InvocationError(errorType, message);
          if (child.pid !== undefined) {
            try {
              process.kill(-child.pid, "SIGKILL");
            } catch {
              // gone
            }
          }
        },
      };
      this.running.add(running);

      const timer = setTimeout(() => {
        void this.killRunning(running, timeoutType, timeoutMessage);
      }, limitMs);
      const poll = setInterval(() => {
        void listProcesses().then((all) => {
          if (child.pid === undefined || settled) return;
          const tree = descendantsOf(child.pid, all);
          for (const p of tree) pgids.add(p.pgrp);
          const rss = tree.reduce((sum, p) => sum + p.rssBytes, 0);
          maxRss = Math.max(maxRss, rss);
          if (rss > memoryLimitBytes) {
            void this.killRunning(
              running,
              RUNTIME_ERRORS.outOfMemory,
              `RequestId: ${requestId} Error: Runtime exited with error: signal: killed (memory ${Math.round(rss / 1048576)} MB > ${fn.memoryMb} MB)`,
            );
          }
        });
      }, MEMORY_POLL_MS);

      const finish = (outcome: { ok: true; result: unknown } | { ok: false; error: InvocationError }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(poll);
        this.running.delete(running);
        const durationMs = Number(process.hrtime.bigint() - startNs) / 1e6;
        this.options.onInvocation?.({
          requestId,
          functionName: fn.name,
          tag: options.tag,
          startedAt: startedAt.toISOString(),
          durationMs: Math.round(durationMs * 1000) / 1000,
          billedDurationMs: Math.ceil(durationMs),
          memorySizeMb: fn.memoryMb,
          maxMemoryUsedMb: Math.ceil(maxRss / 1048576),
          outcome: outcome.ok ? "ok" : outcome.error.errorType,
        });
        // Nothing the invocation started may outlive it (Chromium, ffmpeg).
        void killInvocation({ pgids, markerName: INVOCATION_MARKER, markerValue: requestId }).then(() => {
          if (outcome.ok) resolve(outcome.result);
          else reject(outcome.error);
        });
      };

      child.on("error", (err) => {
        finish({
          ok: false,
          error: new InvocationError(RUNTIME_ERRORS.exit, `Could not start the worker: ${err.message}`),
        });
      });
      child.on("message", (reply: WorkerReply) => {
        if (forcedError) return;
        if (reply.type === "result") finish({ ok: true, result: reply.result });
        else finish({ ok: false, error: new InvocationError(reply.errorType, reply.errorMessage) });
      });
      // A reply sent just before exiting may arrive after the exit event: give it a moment.
      child.on("exit", (code, signal) => setTimeout(() => onExit(code, signal), 50));
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        if (forcedError) return finish({ ok: false, error: forcedError });
        if (/heap out of memory|Allocation failed/i.test(stderrTail)) {
          return finish({
            ok: false,
            error: new InvocationError(
              RUNTIME_ERRORS.outOfMemory,
              `RequestId: ${requestId} Error: Runtime exited with error: out of memory`,
            ),
          });
        }
        const how = signal ? `signal: ${signal === "SIGKILL" ? "killed" : signal}` : `exit status ${code}`;
        return finish({
          ok: false,
          error: new InvocationError(
            RUNTIME_ERRORS.exit,
            `RequestId: ${requestId} Error: Runtime exited with error: ${how}`,
          ),
        });
      };

      const message: InvokeMessage = {
        type: "invoke",
        modulePath: fn.modulePath,
        event,
        context: {
          functionName: fn.name,
          invokedFunctionArn: `arn:aws:lambda:${this.options.env.AWS_REGION ?? "us-east-1"}:000000000000:function:${fn.name}`,
          awsRequestId: requestId,
          memoryLimitInMB: fn.memoryMb,
          deadlineMs: Date.now() + limitMs,
        },
      };
      child.send(message, (err) => {
        if (err) running.kill(RUNTIME_ERRORS.exit, `Could not send the event to the worker: ${err.message}`);
      });
    });
  }
}
