import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { localStateMachineArn } from "../../../local/discovery.js";
import { runCli } from "../../../tui/cli/program.js";
import { syntheticRenderHistory } from "../../../tui/history/synthetic-history.js";
import { executionArn } from "../../../tui/services/jobs.js";
import { captureIo } from "../cli/cli-io.js";

/** The job commands through the real CLI frame, with Step Functions faked at the SDK edge. */
const sfn = mockClient(SFNClient);
const JOB = "r20261121t120000-0badcafe";
const RENDER_SM = localStateMachineArn("render");
const ARN = executionArn(RENDER_SM, JOB);
let home: string;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "hf-tui-cmd-"));
  // A "running" local cloud: the endpoints file of this very process, so connect() uses it.
  writeFileSync(
    join(home, "endpoints.json"),
    JSON.stringify({
      s3Endpoint: "http://127.0.0.1:9",
      sfnEndpoint: "http://127.0.0.1:9",
      apiEndpoint: null,
      apiToken: "x".repeat(32),
      bucket: "hyperframes-local",
      region: "us-east-1",
      renderStateMachineArn: RENDER_SM,
      mediaStateMachineArn: localStateMachineArn("media"),
      dataDir: home,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    }),
  );
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  sfn.restore();
});

function serveHistory(events: HistoryEvent[]) {
  sfn
    .on(DescribeExecutionCommand)
    .rejects(Object.assign(new Error("no such execution"), { name: "ExecutionDoesNotExist" }));
  sfn.on(DescribeExecutionCommand, { executionArn: ARN }).resolves({ executionArn: ARN, status: "RUNNING" });
  sfn
    .on(GetExecutionHistoryCommand)
    .callsFake((input: { reverseOrder?: boolean; maxResults?: number; nextToken?: string }) => {
      const ordered = input.reverseOrder ? [...events].reverse() : events;
      const start = Number(input.nextToken ?? 0);
      const size = input.maxResults ?? 1000;
      return {
        events: ordered.slice(start, start + size),
        nextToken: start + size < ordered.length ? String(start + size) : undefined,
      };
    });
}

async function cli(argv: string[]) {
  const { io, stdout, stderr } = captureIo(argv, { env: { HYPERFRAMES_HOME: home } });
  const code = await runCli(io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

beforeEach(() => sfn.reset());

describe("watch", () => {
  it("prints one document with the error and exits 1 for a failed job", async () => {
    serveHistory(syntheticRenderHistory({ chunks: 6, failPermanently: [2] }));
    const { code, stdout } = await cli(["watch", JOB, "--json"]);
    expect(code).toBe(1);
    const doc = JSON.parse(stdout);
    expect(doc).toMatchObject({
      jobId: JOB,
      status: "FAILED",
      kind: "render",
      error: { name: "BROWSER_CRASHED" },
    });
    expect(doc.chunks).toMatchObject({ total: 6, failed: 1 });
    expect(doc.cost.totalUsd).toBeGreaterThan(0);
  });

  it("accepts the execution ARN and prints plain lines for a finished job", async () => {
    serveHistory(syntheticRenderHistory({ chunks: 6 }));
    const { code, stdout } = await cli(["watch", ARN]);
    expect(code).toBe(0);
    expect(stdout).toContain(`job ${JOB} (render) SUCCEEDED`);
    expect(stdout).toContain(`output s3://hyperframes-local/outputs/${JOB}/video.mp4`);
  });

  it("exits 2 with JOB_NOT_FOUND for an unknown job", async () => {
    serveHistory([]);
    const { code, stdout } = await cli(["watch", "r20990101t000000-deadbeef", "--json"]);
    expect(code).toBe(2);
    expect(JSON.parse(stdout).error.name).toBe("JOB_NOT_FOUND");
  });
});

describe("history", () => {
  it("filters to errors with --errors and to one chunk with --chunk", async () => {
    serveHistory(syntheticRenderHistory({ chunks: 6, retryOnce: [4] }));
    const errors = JSON.parse((await cli(["history", JOB, "--errors", "--json"])).stdout);
    expect(errors.events.map((e: { type: string }) => e.type)).toEqual(["TaskFailed"]);
    const chunk = await cli(["history", JOB, "--chunk", "4"]);
    expect(chunk.code).toBe(0);
    expect(
      chunk.stdout
        .split("\n")
        .filter(Boolean)
        .every((line) => line.includes("chunk 4")),
    ).toBe(true);
  });

  it("refuses a bad chunk index with a usage error", async () => {
    const { code } = await cli(["history", JOB, "--chunk", "x"]);
    expect(code).toBe(2);
  });
});

describe("cancel", () => {
  it("stops a running execution without asking when there is no terminal", async () => {
    serveHistory([]);
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    const { code, stdout } = await cli(["cancel", JOB, "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ cancelled: true, executionArn: ARN });
    expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input.executionArn).toBe(ARN);
  });
});

describe("cost", () => {
  it("gives the accrued cost of a cancelled job", async () => {
    serveHistory(syntheticRenderHistory({ chunks: 20, maxConcurrency: 4, abortAtMs: 15_000 }));
    const doc = JSON.parse((await cli(["cost", JOB, "--json"])).stdout);
    expect(doc).toMatchObject({ kind: "accrued", status: "ABORTED" });
    expect(doc.cost.totalUsd).toBeGreaterThan(0);
  });

  it("estimates without a job and names a bad flag", async () => {
    const doc = JSON.parse(
      (
        await cli([
          "cost",
          "--frames",
          "300",
          "--width",
          "1280",
          "--height",
          "720",
          "--chunk-size",
          "60",
          "--json",
        ])
      ).stdout,
    );
    expect(doc.kind).toBe("estimate");
    expect(doc.cost.assumptions[0]).toBe("300 frames at 1280x720 in 5 chunks of 60");
    const bad = await cli(["cost", "--frames", "-3", "--json"]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.message).toContain("--frames must be a positive number");
  });
});

describe("jobs", () => {
  it("lists render and media jobs newest first with progress and cost", async () => {
    serveHistory(syntheticRenderHistory({ chunks: 6 }));
    sfn.on(ListExecutionsCommand, { stateMachineArn: RENDER_SM }).resolves({
      executions: [
        {
          executionArn: ARN,
          stateMachineArn: RENDER_SM,
          name: JOB,
          status: "SUCCEEDED",
          startDate: new Date(Date.UTC(2026, 10, 21, 12)),
        },
      ],
    });
    sfn
      .on(ListExecutionsCommand, { stateMachineArn: localStateMachineArn("media") })
      .resolves({ executions: [] });
    const doc = JSON.parse((await cli(["jobs", "--json"])).stdout);
    expect(doc.jobs).toHaveLength(1);
    expect(doc.jobs[0]).toMatchObject({ jobId: JOB, kind: "render", status: "SUCCEEDED", progress: 100 });
    expect(doc.jobs[0].costUsd).toBeGreaterThan(0);
  });
});
