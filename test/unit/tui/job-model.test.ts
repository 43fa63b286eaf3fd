import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import {
  applyEvents,
  causeMessage,
  emptyJobModel,
  etaSeconds,
  filterEntries,
  jobCost,
  progressFraction,
  slowestChunks,
  stateNames,
} from "../../../tui/history/job-model.js";
import { executionArnFor, syntheticRenderHistory } from "../../../tui/history/synthetic-history.js";

const ARN = executionArnFor("r20261121t120000-0badcafe");
const fold = (events: HistoryEvent[]) => applyEvents(emptyJobModel(ARN), events);

describe("applyEvents on a render history", () => {
  it("ends a successful render with every chunk done, the frames and the output", () => {
    const model = fold(syntheticRenderHistory({ chunks: 20, chunkSize: 30, maxConcurrency: 4 }));
    expect(model.kind).toBe("render");
    expect(model.jobId).toBe("r20261121t120000-0badcafe");
    expect(model.status).toBe("SUCCEEDED");
    expect(model.chunkCount).toBe(20);
    expect(model.totalFrames).toBe(600);
    expect(model.counts).toEqual({ queued: 0, running: 0, retrying: 0, done: 20, failed: 0 });
    expect(model.framesDone).toBe(600);
    expect(progressFraction(model)).toBe(1);
    expect(model.outputUri).toBe("s3://hyperframes-local/outputs/r20261121t120000-0badcafe/video.mp4");
    expect(model.outputBytes).toBe(1_234_567);
    expect(model.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      "Plan:succeeded",
      "HasChunks:succeeded",
      "RenderChunks:succeeded",
      "Assemble:succeeded",
    ]);
    // Plan + 20 chunks + Assemble
    expect(model.invocations).toHaveLength(22);
    // Plan, Choice, Map, 20 x RenderChunk, Assemble
    expect(model.transitions).toBe(24);
  });

  it("shows running and queued chunks part way through, with max concurrency respected", () => {
    const full = syntheticRenderHistory({ chunks: 100, maxConcurrency: 10 });
    const mapStart = full.findIndex((e) => e.type === "MapStateStarted");
    const partial = fold(full.slice(0, mapStart + 1 + 60));
    expect(partial.status).toBe("RUNNING");
    expect(partial.chunks).toHaveLength(100);
    expect(partial.counts.running + partial.counts.retrying).toBeLessThanOrEqual(10);
    expect(partial.counts.running).toBeGreaterThan(0);
    expect(partial.counts.queued).toBe(
      100 - partial.counts.running - partial.counts.retrying - partial.counts.done,
    );
    expect(partial.counts.queued).toBeGreaterThan(80);
  });

  it("marks a retried chunk retrying with its attempt, then done, and records the cause", () => {
    const full = syntheticRenderHistory({ chunks: 5, maxConcurrency: 5, retryOnce: [2] });
    const failedAt = full.findIndex((e) => e.type === "TaskFailed");
    const retryAt = full.findIndex(
      (e, i) =>
        i > failedAt &&
        e.type === "TaskScheduled" &&
        e.taskScheduledEventDetails?.parameters?.includes('"ChunkIndex":2'),
    );
    const duringRetry = fold(full.slice(0, retryAt + 1));
    expect(duringRetry.chunks[2]).toMatchObject({ status: "retrying", attempt: 2 });
    expect(duringRetry.errors[0]).toMatchObject({ chunk: 2, name: "BROWSER_CRASHED", state: "RenderChunk" });
    expect(causeMessage(duringRetry.errors[0]?.cause ?? "")).toBe(
      "Chromium exited with signal SIGKILL at frame 67",
    );
    const done = fold(full);
    expect(done.chunks[2]).toMatchObject({ status: "done", attempt: 2 });
    expect(done.status).toBe("SUCCEEDED");
    // The retry is one more transition and one more invocation.
    expect(done.transitions).toBe(3 + 5 + 1 + 1);
    expect(done.invocations).toHaveLength(2 + 5 + 1);
  });

  it("fails the chunk and the job when retries run out, and still accrues cost", () => {
    const model = fold(syntheticRenderHistory({ chunks: 8, maxConcurrency: 2, failPermanently: [3] }));
    expect(model.status).toBe("FAILED");
    expect(model.chunks[3]).toMatchObject({ status: "failed", attempt: 3 });
    expect(model.executionError?.name).toBe("BROWSER_CRASHED");
    expect(model.errors.filter((e) => e.chunk === 3)).toHaveLength(3);
    expect(jobCost(model).totalUsd).toBeGreaterThan(0);
  });

  it("puts chunks of an aborted job back to queued and keeps the cost", () => {
    const model = fold(syntheticRenderHistory({ chunks: 50, maxConcurrency: 10, abortAtMs: 12_000 }));
    expect(model.status).toBe("ABORTED");
    expect(model.counts.running).toBe(0);
    expect(model.counts.done).toBeGreaterThan(0);
    expect(model.counts.queued).toBeGreaterThan(0);
    expect(jobCost(model).totalUsd).toBeGreaterThan(0);
  });

  it("gives the same model whether events arrive at once or in small batches, and ignores repeats", () => {
    const events = syntheticRenderHistory({ chunks: 30, maxConcurrency: 6, retryOnce: [4, 9] });
    const once = fold(events);
    let stepwise = emptyJobModel(ARN);
    for (let i = 0; i < events.length; i += 7)
      stepwise = applyEvents(stepwise, events.slice(Math.max(0, i - 3), i + 7));
    const { indexes: _a, ...left } = once;
    const { indexes: _b, ...right } = stepwise;
    expect(right).toEqual(left);
  });

  it("returns the same object when nothing is new", () => {
    const events = syntheticRenderHistory({ chunks: 3 });
    const model = fold(events);
    expect(applyEvents(model, events)).toBe(model);
  });

  it("estimates the remaining time from the Map's pace", () => {
    const full = syntheticRenderHistory({ chunks: 40, maxConcurrency: 4 });
    const half = full.findIndex(
      (e) => e.type === "MapIterationSucceeded" && e.mapIterationSucceededEventDetails?.index === 19,
    );
    const model = fold(full.slice(0, half + 1));
    const now = full[half]?.timestamp?.getTime() ?? 0;
    const eta = etaSeconds(model, now);
    expect(eta).toBeDefined();
    expect(eta).toBeGreaterThan(0);
    expect(etaSeconds(fold(full), now)).toBeUndefined();
  });

  it("lists the slowest chunks first", () => {
    const model = fold(syntheticRenderHistory({ chunks: 100, maxConcurrency: 10 }));
    const slow = slowestChunks(model, Date.now(), 2);
    // The generator makes chunk 13 (i % 97 === 13) about 9 s slower than any other.
    expect(slow[0]?.index).toBe(13);
    expect(slow[0]?.durationMs).toBeGreaterThanOrEqual(slow[1]?.durationMs ?? 0);
  });
});

describe("history filters", () => {
  const model = fold(
    syntheticRenderHistory({ chunks: 10, maxConcurrency: 3, retryOnce: [1], failPermanently: [7] }),
  );

  it("keeps errors only", () => {
    const errors = filterEntries(model.entries, { errorsOnly: true });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.isError)).toBe(true);
    expect(errors.map((e) => e.type)).toContain("ExecutionFailed");
  });

  it("keeps one chunk's events, from iteration start to its end", () => {
    const one = filterEntries(model.entries, { chunk: 1 });
    expect(one[0]?.type).toBe("MapIterationStarted");
    expect(one.at(-1)?.type).toBe("MapIterationSucceeded");
    expect(one.filter((e) => e.type === "TaskScheduled")).toHaveLength(2);
    expect(one.every((e) => e.chunk === 1)).toBe(true);
  });

  it("keeps one state's events and lists state names", () => {
    expect(stateNames(model.entries)).toEqual(
      expect.arrayContaining(["Plan", "RenderChunks", "RenderChunk"]),
    );
    const plan = filterEntries(model.entries, { state: "Plan" });
    expect(plan.map((e) => e.type)).toEqual([
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSucceeded",
      "TaskStateExited",
    ]);
  });
});

describe("media jobs", () => {
  it("measure progress by the furthest finished milestone", () => {
    const at = (seconds: number) => new Date(Date.UTC(2026, 10, 21, 12, 0, seconds));
    const input = JSON.stringify({
      bucket: "b",
      key: "uploads/u/a.mp4",
      size: 10,
      videoId: "0".repeat(32),
      fileName: "a.mp4",
    });
    const state = (id: number, type: "TaskStateEntered" | "TaskStateExited", name: string): HistoryEvent => ({
      id,
      previousEventId: id - 1,
      type,
      timestamp: at(id),
      ...(type === "TaskStateEntered"
        ? { stateEnteredEventDetails: { name } }
        : { stateExitedEventDetails: { name } }),
    });
    const events: HistoryEvent[] = [
      {
        id: 1,
        previousEventId: 0,
        type: "ExecutionStarted",
        timestamp: at(0),
        executionStartedEventDetails: { input },
      },
      state(2, "TaskStateEntered", "Prepare"),
      state(3, "TaskStateExited", "Prepare"),
      state(4, "TaskStateEntered", "Transcode"),
    ];
    const model = fold(events);
    expect(model).toMatchObject({ kind: "media", videoId: "0".repeat(32), fileName: "a.mp4" });
    expect(progressFraction(model)).toBe(0.05);
    expect(progressFraction(applyEvents(model, [state(5, "TaskStateExited", "Transcode")]))).toBe(0.7);
  });
});
