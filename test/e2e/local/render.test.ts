import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GetExecutionHistoryCommand,
  type HistoryEvent,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureDir, runProducerDirectOnOneCore, sha256Hex } from "../../../bench/render/harness.js";
import { type LocalCloudHandle, startLocalCloud } from "../../../local/index.js";
import {
  descendantsOf,
  isRunning,
  listProcesses,
  processesWithEnv,
} from "../../../local/workers/process-tree.js";
import { INVOCATION_MARKER } from "../../../local/workers/worker-pool.js";
import { runRenderJob } from "../../../tui/jobs/render-job.js";
import { clientsFor, endpointsFromLocal } from "../../../tui/target/connect.js";
import { runCli } from "../run-cli.js";

/**
 * The main job as a user runs it, through the local cloud's Step Functions API, the render state
 * machine from modules/ and the render handler in worker processes.
 */

const CHUNK_SIZE = 30; // title-card: 60 frames -> 2 chunks

let scratch: string;
let referenceSha = "";

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "local-e2e-"));
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Command lines of a process, or "" when it is gone. */
async function cmdline(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ");
}

/** Waits until a worker of this process has a Chromium running; returns the worker's pid. */
async function workerWithChromium(timeoutMs = 300_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const all = await listProcesses();
    for (const worker of all.filter((p) => p.ppid === process.pid)) {
      if (!(await cmdline(worker.pid)).includes("worker-entry")) continue;
      for (const p of descendantsOf(worker.pid, all)) {
        if (/chrom|headless/i.test(await cmdline(p.pid))) return worker.pid;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no chunk worker started Chromium in time");
}

async function markerOf(pid: number): Promise<string | undefined> {
  const environ = (await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "")).split("\0");
  return environ
    .find((entry) => entry.startsWith(`${INVOCATION_MARKER}=`))
    ?.slice(INVOCATION_MARKER.length + 1);
}

describe("npx hyperframes-tui render", () => {
  it("renders the title-card fixture through the local cloud, byte-identical to the producer run directly", async () => {
    const cwd = join(scratch, "cli");
    await mkdir(cwd, { recursive: true });
    const { code, stdout, stderr } = await runCli(
      ["render", fixtureDir("title-card"), "--out", "out.mp4", "--chunk-size", String(CHUNK_SIZE), "--json"],
      { cwd },
    );
    expect(code, stderr).toBe(0);
    const document = JSON.parse(stdout) as Record<string, unknown> & {
      output: { path: string; bytes: number; sha256: string };
    };
    expect(document).toMatchObject({ status: "SUCCEEDED", frames: 60, chunks: 2, format: "mp4" });
    expect(String(document.executionArn)).toContain(":execution:hyperframes-render:");
    expect(document.output.path).toBe(join(cwd, "out.mp4"));
    const bytes = await readFile(join(cwd, "out.mp4"));
    expect(document.output.bytes).toBe(bytes.length);
    expect(document.output.sha256).toBe(sha256Hex(bytes));
    expect(document).toHaveProperty("cost.accrued.totalUsd");
    expect(document).toHaveProperty("cost.estimated.totalUsd");
    expect(stderr).toContain("chunks 2/2 done");
    // The in-process local cloud stopped with the command: nothing left behind.
    await expect(stat(join(cwd, ".hyperframes", "endpoints.json"))).rejects.toThrow();

    // On one core, as the local cloud runs render invocations: chunk bytes depend on the CPU count.
    const direct = join(scratch, "direct.mp4");
    await runProducerDirectOnOneCore(fixtureDir("title-card"), CHUNK_SIZE, join(scratch, "direct"), direct);
    referenceSha = sha256Hex(await readFile(direct));
    expect(document.output.sha256).toBe(referenceSha);
  });

  it("exits 2 naming the field when a render flag is invalid", async () => {
    const { code, stdout } = await runCli(["render", fixtureDir("title-card"), "--fps", "25", "--json"], {
      cwd: join(scratch, "cli"),
    });
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({
      status: "FAILED",
      error: { name: "INVALID_CONFIG", message: expect.stringContaining("fps") },
    });
  });
});

describe("render state machine on the local cloud", () => {
  let cloud: LocalCloudHandle;
  let clients: ReturnType<typeof clientsFor>;
  const target = () => ({ endpoints: endpointsFromLocal(cloud.endpoints), ...clients });

  beforeAll(async () => {
    cloud = await startLocalCloud({ dataDir: join(scratch, "cloud") });
    clients = clientsFor(endpointsFromLocal(cloud.endpoints));
  });

  afterAll(async () => {
    clients?.s3.destroy();
    clients?.sfn.destroy();
    await cloud?.stop();
  });

  async function history(executionArn: string): Promise<HistoryEvent[]> {
    const out = await clients.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    return out.events ?? [];
  }

  it("retries a chunk whose worker is killed mid-render, and the output is unchanged", async () => {
    const killer = workerWithChromium().then((pid) => process.kill(pid, "SIGKILL"));
    const result = await runRenderJob(target(), {
      projectDir: fixtureDir("title-card"),
      config: { chunkSize: CHUNK_SIZE },
      cwd: join(scratch, "killed"),
    });
    await killer;
    expect(result.status).toBe("SUCCEEDED");
    const events = await history(result.executionArn);
    const failures = events
      .filter((e) => e.type === "TaskFailed")
      .map((e) => e.taskFailedEventDetails?.error);
    expect(failures).toEqual(["Runtime.ExitError"]);
    expect(events.filter((e) => e.type === "TaskSucceeded")).toHaveLength(4); // plan, 2 chunks, assemble
    expect(result.output?.sha256).toBe(referenceSha);
  });

  it("fails a job once on a non-retryable error, with the name and cause in its history", async () => {
    const started = await clients.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: cloud.endpoints.renderStateMachineArn,
        name: "bad-config",
        input: JSON.stringify({
          JobId: "bad-config",
          ProjectS3Uri: `s3://${cloud.endpoints.bucket}/projects/${"0".repeat(64)}.tar.gz`,
          PlanOutputS3Prefix: `s3://${cloud.endpoints.bucket}/renders/bad-config/`,
          OutputS3Uri: `s3://${cloud.endpoints.bucket}/outputs/bad-config/x.mp4`,
          Config: { fps: 25 },
        }),
      }),
    );
    const record = await cloud.engine.waitForExecution(started.executionArn as string);
    expect(record.status).toBe("FAILED");
    expect(record.error).toBe("INVALID_CONFIG");
    expect(record.cause).toContain("fps");
    const events = await history(started.executionArn as string);
    const failed = events.filter((e) => e.type === "TaskFailed");
    expect(failed).toHaveLength(1);
    expect(failed[0]?.taskFailedEventDetails?.error).toBe("INVALID_CONFIG");
    expect(failed[0]?.taskFailedEventDetails?.cause).toContain("fps");
  });

  it("StopExecution leaves no worker, Chromium or ffmpeg process behind", async () => {
    const job = runRenderJob(target(), {
      projectDir: fixtureDir("title-card"),
      config: { chunkSize: 10 },
      cwd: join(scratch, "stopped"),
    });
    const worker = await workerWithChromium();
    const all = await listProcesses();
    const tree = descendantsOf(worker, all);
    const chromium: number[] = [];
    for (const p of tree) if (/chrom|headless/i.test(await cmdline(p.pid))) chromium.push(p.pid);
    expect(chromium.length).toBeGreaterThan(0);
    const marker = await markerOf(worker);
    expect(marker).toBeTruthy();
    const running = cloud.engine
      .listExecutions({ stateMachineArn: cloud.endpoints.renderStateMachineArn })
      .executions.find((e) => e.status === "RUNNING");
    expect(running).toBeDefined();
    await clients.sfn.send(
      new StopExecutionCommand({
        executionArn: running?.executionArn,
        error: "JOB_CANCELLED",
        cause: "test",
      }),
    );
    // SIGKILLed processes take a moment to finish exiting (state R/D with an empty cmdline): allow 2 s.
    let survivors: string[] = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      survivors = [];
      for (const pid of [worker, ...tree.map((p) => p.pid)]) {
        if (await isRunning(pid)) survivors.push(`${pid} ${await cmdline(pid)}`);
      }
      if (survivors.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(survivors).toEqual([]);
    expect(await processesWithEnv(INVOCATION_MARKER, marker as string)).toEqual([]);
    const result = await job;
    expect(result.status).toBe("ABORTED");
    expect(result.error?.name).toBe("JOB_CANCELLED");
  });
});
