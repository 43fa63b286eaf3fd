import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CoreAllocator, canPinProcesses, pinProcessToCore } from "./cpu-pinning.js";
import {
  descendantsOf,
  killInvocation,
  listProcesses,
  parseProcStat,
  processesWithEnv,
} from "./process-tree.js";
import { type InitMessage, type InvokeMessage, RUNTIME_ERRORS, type WorkerReply } from "./worker-protocol.js";

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
  /**
   * A cap of its own instead of the pool's shared one (the API's requests must not queue behind
   * render chunks: in AWS every function scales on its own).
   */
  concurrency?: number;
  /**
   * Run each invocation on one core of its own (see cpu-pinning.ts): render chunks then come out
   * byte-identical on any machine and concurrent chunks do not thrash.
   */
  oneCorePerInvocation?: boolean;
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
  /** Whether the worker process was started for this invocation (a cold start). */
  coldStart: boolean;
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
  /** Each line the worker writes (stdout and stderr) while this invocation runs (Lambda's LogType Tail). */
  onLog?: (line: string) => void;
}

export interface WorkerPoolOptions {
  functions: Readonly<Record<string, LocalFunctionConfig>>;
  /** How many invocations run at once; others wait in order. */
  concurrency: number;
  /** Environment every worker gets (endpoints, credentials, bucket, ARNs). */
  env: Record<string, string>;
  /** The Node binary (Node 22). */
  nodePath: string;
  /**
   * Keep a worker process after a successful invocation and reuse it for the next one of the same
   * function, as Lambda reuses warm execution environments (default true). Whatever an invocation
   * started is killed when it ends either way; only the handler's own Node process stays.
   */
  reuseWorkers?: boolean;
  /** How long an idle warm worker is kept (default 60 s). */
  idleSeconds?: number;
  log?: (line: string) => void;
  onInvocation?: (record: InvocationRecord) => void;
  /** Extra environment a function's workers need, resolved before its first worker starts (e.g. Chromium's path). */
  prepare?: (fn: LocalFunctionConfig) => Promise<Record<string, string> | undefined>;
  /** The cores one-core invocations are spread over (default: every core this process may use). */
  cores?: readonly number[];
}

/** Environment variable carried by every process a worker starts: how its leftovers are found. */
export const INVOCATION_MARKER = "HYPERFRAMES_INVOCATION_ID";
const MEMORY_POLL_MS = 250;
const STDERR_TAIL_BYTES = 8192;

const workerEntry = fileURLToPath(new URL("./worker-entry.ts", import.meta.url));
const tsxLoader = import.meta.resolve("tsx");

/** A process's peak resident set (VmHWM), 0 when unknown. */
function peakRssBytes(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.[1] ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Start time (clock ticks since boot) of a live process, -1 when unknown. */
function startTicksOf(pid: number | undefined): number {
  if (pid === undefined) return -1;
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"))?.startTicks ?? -1;
  } catch {
    return -1;
  }
}

/**
 * SIGKILL to a worker's process group, only while Node has not reaped the worker (its `exit` event):
 * until then its pid, and so its group id, cannot belong to anyone else. Never a bogus pid (-1 would
 * mean every process).
 */
function killGroup(worker: Worker): void {
  if (worker.exited || !Number.isInteger(worker.pid) || worker.pid <= 1) return;
  try {
    process.kill(-worker.pid, "SIGKILL");
  } catch {
    // gone
  }
}

/** The groups to kill as `killInvocation` takes them. */
const groupsOf = (pgids: ReadonlyMap<number, number>, skip?: ReadonlySet<number>) =>
  [...pgids]
    .filter(([pgid]) => !skip?.has(pgid))
    .map(([pgid, leaderStartTicks]) => ({ pgid, leaderStartTicks }));

/** An invocation waiting for a slot. */
interface Waiting {
  tag: string | undefined;
  start: () => void;
  cancel: (err: Error) => void;
}

/** One worker process (one Lambda execution environment). */
interface Worker {
  id: string;
  fn: LocalFunctionConfig;
  child: ChildProcess;
  pid: number;
  /**
   * Process groups seen in the worker's tree (Chromium makes its own), each with its leader's start
   * time: group ids are pids, and pids are reused.
   */
  pgids: Map<number, number>;
  stderrTail: string;
  /** Processes alive after INIT (the worker, the tsx loader's esbuild service): kept while warm. */
  own: Set<number>;
  invocations: number;
  exited: boolean;
  /** The cleanup after an invocation ended (killing what it started), until it is done. */
  finishing: { tag: string | undefined; done: Promise<void> } | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  /** The running invocation's hooks. */
  current:
    | {
        tag: string | undefined;
        onLog: ((line: string) => void) | undefined;
        onReply(reply: WorkerReply): void;
        onExit(code: number | null, signal: NodeJS.Signals | null): void;
        kill(errorType: string, message: string): void;
      }
    | undefined;
}

/**
 * Lambda-like workers: every invocation runs its function's handler in a Node process of its own
 * (a process group of its own) with the function's timeout and memory limit, at most `concurrency` at
 * once. Crashes, timeouts and memory overruns are reported with Lambda's own error types so the same
 * Retry rules match; everything an invocation started is killed when it ends.
 */
export class WorkerPool {
  private readonly queues = new Map<string, Waiting[]>();
  private readonly activeByLane = new Map<string, number>();
  private readonly workers = new Set<Worker>();
  private readonly idle = new Map<string, Worker[]>();
  private stopped = false;
  private readonly cores: CoreAllocator;

  constructor(private readonly options: WorkerPoolOptions) {
    this.cores = new CoreAllocator(options.cores);
  }

  get functionNames(): string[] {
    return Object.keys(this.options.functions);
  }

  /** Runs one invocation; resolves with the handler's result or rejects with an InvocationError. */
  async invoke(functionName: string, event: unknown, options: InvokeOptions = {}): Promise<unknown> {
    const fn = this.options.functions[functionName];
    if (!fn) {
      throw new InvocationError("Lambda.ResourceNotFoundException", `Function not found: ${functionName}`);
    }
    const lane = fn.concurrency !== undefined ? `fn:${fn.name}` : "shared";
    const cap = fn.concurrency ?? this.options.concurrency;
    await this.acquire(lane, cap, options.tag);
    const core = fn.oneCorePerInvocation && canPinProcesses() ? this.cores.take() : undefined;
    try {
      if (this.stopped) throw new InvocationError("Lambda.ServiceException", "The local cloud stopped");
      const warm = this.takeIdle(fn.name);
      const worker = warm ?? (await this.spawnWorker(fn));
      // Before the event is sent, so everything the handler starts inherits the core.
      if (core !== undefined) await this.pin(worker, core);
      options.onStart?.();
      return await this.runOn(worker, event, options, warm === undefined);
    } finally {
      if (core !== undefined) this.cores.release(core);
      this.release(lane);
    }
  }

  /** A worker that cannot be pinned is not used: its chunks would not match those of pinned workers. */
  private async pin(worker: Worker, core: number): Promise<void> {
    try {
      await pinProcessToCore(worker.pid, core);
    } catch (err) {
      await this.killWorker(worker, "Lambda.ServiceException", "could not pin the worker to a core");
      throw new InvocationError(
        "Lambda.ServiceException",
        `Could not pin the ${worker.fn.name} worker to core ${core}: ${(err as Error).message}`,
      );
    }
  }

  /** Kills every running and queued invocation with this tag (StopExecution). */
  async killTag(
    tag: string,
    errorType = "States.Aborted",
    message = "The execution was stopped",
  ): Promise<void> {
    for (const queue of this.queues.values()) {
      for (let i = queue.length - 1; i >= 0; i -= 1) {
        const waiting = queue[i];
        if (waiting?.tag === tag) {
          queue.splice(i, 1);
          waiting.cancel(new InvocationError(errorType, message));
        }
      }
    }
    const busy = [...this.workers].filter((w) => w.current?.tag === tag);
    // An invocation that just ended may still be killing what it started: wait for that too.
    const finishing = [...this.workers].flatMap((w) =>
      w.finishing?.tag === tag ? [w.finishing.done.catch(() => undefined)] : [],
    );
    await Promise.all([...busy.map((w) => this.killWorker(w, errorType, message)), ...finishing]);
  }

  /** Kills everything and refuses new work. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const queue of this.queues.values()) {
      for (const waiting of queue.splice(0))
        waiting.cancel(new InvocationError("Lambda.ServiceException", "The local cloud stopped"));
    }
    await Promise.all(
      [...this.workers].map((w) => this.killWorker(w, "Lambda.ServiceException", "The local cloud stopped")),
    );
  }

  private queue(lane: string): Waiting[] {
    let queue = this.queues.get(lane);
    if (!queue) {
      queue = [];
      this.queues.set(lane, queue);
    }
    return queue;
  }

  private acquire(lane: string, cap: number, tag: string | undefined): Promise<void> {
    if (this.stopped)
      return Promise.reject(new InvocationError("Lambda.ServiceException", "The local cloud stopped"));
    const active = this.activeByLane.get(lane) ?? 0;
    if (active < cap) {
      this.activeByLane.set(lane, active + 1);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.queue(lane).push({
        tag,
        start: () => {
          this.activeByLane.set(lane, (this.activeByLane.get(lane) ?? 0) + 1);
          resolve();
        },
        cancel: reject,
      });
    });
  }

  private release(lane: string): void {
    this.activeByLane.set(lane, (this.activeByLane.get(lane) ?? 1) - 1);
    this.queue(lane).shift()?.start();
  }

  private takeIdle(functionName: string): Worker | undefined {
    const list = this.idle.get(functionName) ?? [];
    while (list.length > 0) {
      const worker = list.pop() as Worker;
      clearTimeout(worker.idleTimer);
      worker.idleTimer = undefined;
      if (!worker.exited) return worker;
    }
    return undefined;
  }

  private park(worker: Worker): void {
    const list = this.idle.get(worker.fn.name) ?? [];
    list.push(worker);
    this.idle.set(worker.fn.name, list);
    worker.idleTimer = setTimeout(
      () => {
        const at = list.indexOf(worker);
        if (at >= 0) list.splice(at, 1);
        void this.killWorker(worker, "Lambda.ServiceException", "idle");
      },
      (this.options.idleSeconds ?? 60) * 1000,
    );
    worker.idleTimer.unref();
  }

  /** Kills a worker and every process it started. */
  private async killWorker(worker: Worker, errorType: string, message: string): Promise<void> {
    worker.current?.kill(errorType, message);
    clearTimeout(worker.idleTimer);
    killGroup(worker);
    await killInvocation({
      groups: groupsOf(worker.pgids),
      markerName: INVOCATION_MARKER,
      markerValue: worker.id,
    });
    this.workers.delete(worker);
  }

  /** Starts a worker and runs its INIT (imports the handler); the processes alive then are its own. */
  private async spawnWorker(fn: LocalFunctionConfig): Promise<Worker> {
    const id = randomUUID();
    const prepared = (await this.options.prepare?.(fn)) ?? {};
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
          ...prepared,
          ...fn.env,
          AWS_LAMBDA_FUNCTION_NAME: fn.name,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
          AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
          [INVOCATION_MARKER]: id,
        },
      },
    );
    const worker: Worker = {
      id,
      fn,
      child,
      pid: child.pid ?? -1,
      pgids: new Map(child.pid !== undefined && child.pid > 1 ? [[child.pid, startTicksOf(child.pid)]] : []),
      stderrTail: "",
      own: new Set(child.pid !== undefined ? [child.pid] : []),
      invocations: 0,
      exited: false,
      finishing: undefined,
      idleTimer: undefined,
      current: undefined,
    };
    this.workers.add(worker);
    const log = this.options.log;
    const forward = (stream: NodeJS.ReadableStream | null, isErr: boolean) => {
      let partial = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (text: string) => {
        if (isErr) worker.stderrTail = (worker.stderrTail + text).slice(-STDERR_TAIL_BYTES);
        const lines = (partial + text).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) {
          worker.current?.onLog?.(line);
          log?.(`[${fn.name} ${id.slice(0, 8)}] ${line}`);
        }
      });
    };
    forward(child.stdout, false);
    forward(child.stderr, true);
    const ready = new Promise<void>((resolve) => {
      child.on("message", (reply: WorkerReply) => {
        if (reply.type === "ready") resolve();
        else worker.current?.onReply(reply);
      });
      child.once("exit", () => resolve());
    });
    child.on("error", () => {
      worker.exited = true;
      worker.current?.onExit(null, null);
    });
    // A reply sent just before exiting may arrive after the exit event: give it a moment.
    child.on("exit", (code, signal) => {
      worker.exited = true;
      if (!worker.current) this.workers.delete(worker);
      setTimeout(() => worker.current?.onExit(code, signal), 50);
    });
    const init: InitMessage = { type: "init", modulePath: fn.modulePath };
    child.send(init, (err) => {
      if (err) killGroup(worker);
    });
    await ready;
    if (!worker.exited) {
      for (const pid of await processesWithEnv(INVOCATION_MARKER, id)) worker.own.add(pid);
    }
    return worker;
  }

  private runOn(
    worker: Worker,
    event: unknown,
    options: InvokeOptions,
    coldStart: boolean,
  ): Promise<unknown> {
    const fn = worker.fn;
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
    worker.invocations += 1;
    worker.stderrTail = "";

    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      let forcedError: InvocationError | undefined;
      let maxRss = 0;

      const finish = (
        outcome: { ok: true; result: unknown } | { ok: false; error: InvocationError; workerFailed: boolean },
      ) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(poll);
        worker.current = undefined;
        // Short invocations end before the first sample: the worker's own peak (VmHWM) is the floor.
        maxRss = Math.max(maxRss, peakRssBytes(worker.pid));
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
          coldStart,
          outcome: outcome.ok ? "ok" : outcome.error.errorType,
        });
        const reusable =
          (outcome.ok || !outcome.workerFailed) &&
          !worker.exited &&
          !this.stopped &&
          this.options.reuseWorkers !== false;
        // Nothing an invocation started may outlive it (Chromium, ffmpeg); a warm worker's own process stays.
        const cleanup = reusable
          ? killInvocation({
              groups: groupsOf(worker.pgids, worker.own),
              markerName: INVOCATION_MARKER,
              markerValue: worker.id,
              keep: worker.own,
            })
          : this.killWorker(worker, "Lambda.ServiceException", "worker discarded");
        const done = cleanup.then(() => {
          worker.finishing = undefined;
          // Group ids of finished processes may be reused by unrelated ones: forget them.
          worker.pgids = new Map([...worker.pgids].filter(([pgid]) => pgid === worker.pid));
          if (reusable && !worker.exited && !this.stopped) this.park(worker);
          if (outcome.ok) resolve(outcome.result);
          else reject(outcome.error);
        });
        worker.finishing = { tag: options.tag, done };
      };

      worker.current = {
        tag: options.tag,
        onLog: options.onLog,
        onReply: (reply) => {
          if (forcedError || reply.type === "ready") return;
          if (reply.type === "result") finish({ ok: true, result: reply.result });
          else
            finish({
              ok: false,
              error: new InvocationError(reply.errorType, reply.errorMessage),
              workerFailed: false,
            });
        },
        onExit: (code, signal) => {
          if (forcedError) return finish({ ok: false, error: forcedError, workerFailed: true });
          if (/heap out of memory|Allocation failed/i.test(worker.stderrTail)) {
            return finish({
              ok: false,
              error: new InvocationError(
                RUNTIME_ERRORS.outOfMemory,
                `RequestId: ${requestId} Error: Runtime exited with error: out of memory`,
              ),
              workerFailed: true,
            });
          }
          const how = signal ? `signal: ${signal === "SIGKILL" ? "killed" : signal}` : `exit status ${code}`;
          return finish({
            ok: false,
            error: new InvocationError(
              RUNTIME_ERRORS.exit,
              `RequestId: ${requestId} Error: Runtime exited with error: ${how}`,
            ),
            workerFailed: true,
          });
        },
        kill: (errorType, message) => {
          forcedError ??= new InvocationError(errorType, message);
          killGroup(worker);
        },
      };

      const timer = setTimeout(() => {
        void this.killWorker(worker, timeoutType, timeoutMessage);
      }, limitMs);
      const poll = setInterval(() => {
        void listProcesses().then((all) => {
          if (settled) return;
          const tree = descendantsOf(worker.pid, all);
          // A group is known by its leader (pid = group id) and the leader's start time.
          for (const p of tree) if (p.pid === p.pgrp) worker.pgids.set(p.pgrp, p.startTicks);
          const rss = tree.reduce((sum, p) => sum + p.rssBytes, 0);
          maxRss = Math.max(maxRss, rss);
          if (rss > memoryLimitBytes) {
            void this.killWorker(
              worker,
              RUNTIME_ERRORS.outOfMemory,
              `RequestId: ${requestId} Error: Runtime exited with error: signal: killed (memory ${Math.round(rss / 1048576)} MB > ${fn.memoryMb} MB)`,
            );
          }
        });
      }, MEMORY_POLL_MS);

      if (worker.exited) {
        worker.current.onExit(worker.child.exitCode, worker.child.signalCode);
        return;
      }
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
      worker.child.send(message, (err) => {
        if (err)
          worker.current?.kill(RUNTIME_ERRORS.exit, `Could not send the event to the worker: ${err.message}`);
      });
    });
  }
}
