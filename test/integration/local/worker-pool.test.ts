import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeBinary } from "../../../local/node-binary.js";
import { allowedCores, canPinProcesses, parseCpuList } from "../../../local/workers/cpu-pinning.js";
import { descendantsOf, isRunning, listProcesses } from "../../../local/workers/process-tree.js";
import { type InvocationRecord, WorkerPool } from "../../../local/workers/worker-pool.js";
import { testFunctions } from "./fixtures/test-machines.js";

/** Real worker processes: results, and failures named as Lambda names them. */

let scratch: string;
const records: InvocationRecord[] = [];
const pool = new WorkerPool({
  functions: testFunctions({ timeoutSeconds: 3, memoryMb: 256 }),
  concurrency: 2,
  env: { PATH: process.env.PATH ?? "" },
  nodePath: nodeBinary(),
  onInvocation: (record) => records.push(record),
});

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "local-pool-"));
});

afterAll(async () => {
  await pool.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function failure(event: unknown): Promise<{ name: string; message: string }> {
  try {
    await pool.invoke("test", event);
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  throw new Error("the invocation succeeded");
}

describe("worker pool", () => {
  it("returns the handler's result and records billed duration and memory", async () => {
    const result = (await pool.invoke("test", { Action: "echo", Value: { a: 1 } })) as {
      Value: unknown;
      RequestId: string;
    };
    expect(result.Value).toEqual({ a: 1 });
    const record = records.find((r) => r.requestId === result.RequestId);
    expect(record).toMatchObject({ functionName: "test", memorySizeMb: 256, outcome: "ok" });
    expect(record?.billedDurationMs).toBeGreaterThanOrEqual(Math.floor(record?.durationMs ?? 0));
    expect(record?.maxMemoryUsedMb).toBeGreaterThan(0);
  });

  it("reports a thrown AppError by its registry name with its message", async () => {
    expect(await failure({ Action: "fail" })).toEqual({
      name: "INVALID_CONFIG",
      message: "fps must be one of 24, 30, 60",
    });
  });

  it("reports a crashed worker as Runtime.ExitError", async () => {
    const error = await failure({ Action: "crash" });
    expect(error.name).toBe("Runtime.ExitError");
    expect(error.message).toContain("Runtime exited with error: exit status 3");
  });

  it("reports a worker past the function timeout as Sandbox.Timedout", async () => {
    const error = await failure({ Action: "sleep", Seconds: 30 });
    expect(error.name).toBe("Sandbox.Timedout");
    expect(error.message).toContain("Task timed out after 3.00 seconds");
  });

  it("reports a shorter Task timeout as States.Timeout", async () => {
    await expect(
      pool.invoke("test", { Action: "sleep", Seconds: 30 }, { timeoutSeconds: 1 }),
    ).rejects.toMatchObject({
      name: "States.Timeout",
    });
  });

  it("reports a worker over its memory setting as Runtime.OutOfMemory", async () => {
    expect((await failure({ Action: "hog" })).name).toBe("Runtime.OutOfMemory");
  });

  it("runs each invocation of a one-core function, and what it starts, on a core of its own", async () => {
    const cores = allowedCores();
    expect(canPinProcesses()).toBe(process.platform === "linux");
    const invoke = (fn: string) =>
      pool.invoke(fn, { Action: "affinity", Seconds: 1 }) as Promise<{ Worker: string; Child: string }>;
    const [first, second, unpinned] = await Promise.all([invoke("pinned"), invoke("pinned"), invoke("test")]);
    for (const run of [first, second]) {
      expect(parseCpuList(run?.Worker ?? "")).toHaveLength(1);
      expect(run?.Child).toBe(run?.Worker);
    }
    // Overlapping invocations get different cores while there are enough.
    if (cores.length >= 2) expect(first?.Worker).not.toBe(second?.Worker);
    expect(parseCpuList(unpinned?.Worker ?? "")).toEqual(cores);
  });

  it("does not run a one-core invocation on a worker it could not pin, and leaves that worker dead", async () => {
    if (!canPinProcesses()) return; // nothing is pinned without taskset (see cpu-pinning.ts)
    const started: InvocationRecord[] = [];
    const unpinnablePool = new WorkerPool({
      functions: testFunctions(),
      concurrency: 1,
      env: { PATH: process.env.PATH ?? "" },
      nodePath: nodeBinary(),
      // No such core: taskset refuses it, as it would a core taken away by a cgroup meanwhile.
      cores: [4095],
      onInvocation: (record) => started.push(record),
    });
    try {
      const pidFile = join(scratch, "unpinned.pid");
      const ours = async () => descendantsOf(process.pid, await listProcesses()).map((p) => p.pid);
      const before = new Set(await ours());
      const outcome = await unpinnablePool
        .invoke("pinned", { Action: "spawn", PidFile: pidFile, Seconds: 30 })
        .then(
          () => "succeeded",
          (err: Error) => `${err.name}: ${err.message}`,
        );
      expect(outcome).toMatch(/^Lambda\.ServiceException: Could not pin the pinned worker to core 4095/);
      // The handler never ran: no record, no process it would have started.
      expect(started).toEqual([]);
      await expect(readFile(pidFile, "utf8")).rejects.toThrow(/ENOENT/);
      // The worker it started for the invocation is gone again.
      expect((await ours()).filter((pid) => !before.has(pid))).toEqual([]);
    } finally {
      await unpinnablePool.stop();
    }
  });

  it("waits on killTag for an invocation that has just ended to kill what it started", async () => {
    const pidFile = join(scratch, "finishing.pid");
    let stopped: Promise<void> | undefined;
    const finishingPool: WorkerPool = new WorkerPool({
      functions: testFunctions(),
      concurrency: 1,
      env: { PATH: process.env.PATH ?? "" },
      nodePath: nodeBinary(),
      // Called as the invocation ends, before its cleanup: a StopExecution arriving at that moment.
      onInvocation: () => {
        stopped = new Promise((resolve) => setImmediate(resolve)).then(() => finishingPool.killTag("job"));
      },
    });
    try {
      const ended = finishingPool.invoke(
        "test",
        { Action: "spawn", PidFile: pidFile, Seconds: 0 },
        { tag: "job" },
      );
      while (stopped === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      await stopped;
      const grandchild = Number(await readFile(pidFile, "utf8"));
      expect(await isRunning(grandchild)).toBe(false);
      await ended;
    } finally {
      await finishingPool.stop();
    }
  });

  it("keeps a worker warm for the next invocation of the same function", async () => {
    const first = (await pool.invoke("test", { Action: "echo" })) as { RequestId: string };
    const second = (await pool.invoke("test", { Action: "echo" })) as { RequestId: string };
    const cold = (id: string) => records.find((r) => r.requestId === id)?.coldStart;
    expect(cold(second.RequestId)).toBe(false);
    expect(cold(first.RequestId)).toBeDefined();
  });

  it("kills what a worker started in its own process group when the invocation ends", async () => {
    const pidFile = join(scratch, "grandchild.pid");
    await pool.invoke("test", { Action: "spawn", Seconds: 1, PidFile: pidFile });
    const pid = Number(await readFile(pidFile, "utf8"));
    expect(pid).toBeGreaterThan(0);
    expect(await isRunning(pid)).toBe(false);
  });

  it("kills a tag's running workers and their grandchildren", async () => {
    const pidFile = join(scratch, "tagged.pid");
    const running = pool
      .invoke("test", { Action: "spawn", Seconds: 60, PidFile: pidFile }, { tag: "job-1" })
      .then(
        () => undefined,
        (err: Error) => err,
      );
    let pid = 0;
    while (pid === 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      pid = Number(await readFile(pidFile, "utf8").catch(() => "0"));
    }
    expect(await isRunning(pid)).toBe(true);
    await pool.killTag("job-1", "States.Aborted", "stopped");
    expect(await running).toMatchObject({ name: "States.Aborted" });
    expect(await isRunning(pid)).toBe(false);
  });
});
