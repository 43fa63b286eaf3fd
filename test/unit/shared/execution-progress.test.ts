import { readFileSync } from "node:fs";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { toRenderProgress } from "../../../handlers/api/render-progress.js";
import {
  currentState,
  emptyExecutionProgress,
  type FoldedEvent,
  foldEvents,
  summarizeExecution,
} from "../../../handlers/shared/execution-progress.js";
import { applyEvents, emptyJobModel } from "../../../tui/history/job-model.js";
import { syntheticRenderHistory } from "../../../tui/history/synthetic-history.js";

const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
const FN = "arn:aws:lambda:us-east-1:000000000000:function:render";
const scheduled = (id: number, previousEventId: number, ms: number, payload: object = {}): HistoryEvent => ({
  id,
  previousEventId,
  type: "TaskScheduled",
  timestamp: t(ms),
  taskScheduledEventDetails: {
    resource: "invoke",
    resourceType: "lambda",
    region: "us-east-1",
    parameters: JSON.stringify({ FunctionName: FN, Payload: payload }),
  },
});
const entered = (id: number, previousEventId: number, ms: number, name: string): HistoryEvent => ({
  id,
  previousEventId,
  type: "TaskStateEntered",
  timestamp: t(ms),
  stateEnteredEventDetails: { name },
});

/** A real history recorded from the local cloud (title-card: 6 chunks of 10 frames, one retried). */
function recorded(): HistoryEvent[] {
  const raw = JSON.parse(
    readFileSync(new URL("../tui/fixtures/title-card-render-history.json", import.meta.url), "utf8"),
  ) as Array<HistoryEvent & { timestamp: string }>;
  return raw.map((event) => ({ ...event, timestamp: new Date(event.timestamp) }));
}

const histories: Record<string, () => HistoryEvent[]> = {
  recorded,
  retried: () => syntheticRenderHistory({ chunks: 12, retryOnce: [2, 7] }),
  failed: () => syntheticRenderHistory({ chunks: 12, retryOnce: [1], failPermanently: [4] }),
  running: () => syntheticRenderHistory({ chunks: 12, retryOnce: [3], truncateAt: 60 }),
  aborted: () => syntheticRenderHistory({ chunks: 12, abortAtMs: 5000 }),
};

describe("one fold, two views (API and TUI)", () => {
  for (const [name, history] of Object.entries(histories)) {
    it(`the API's render progress and the TUI's job model agree on the ${name} history`, () => {
      const events = history();
      const api = toRenderProgress(summarizeExecution(events));
      const tui = applyEvents(emptyJobModel("arn"), events);
      expect(api.totalChunks).toBe(tui.chunkCount ?? null);
      expect(api.framesRendered).toBe(tui.framesDone);
      expect(api.chunks.succeeded).toBe(tui.counts.done);
      expect(api.chunks.running).toBe(tui.counts.running);
      expect(api.chunks.retrying).toBe(tui.counts.retrying);
      expect(api.chunks.failed + api.chunks.queued).toBe(tui.counts.failed + tui.counts.queued);
      expect(api.chunkStates.map((c) => [c.index, c.attempts])).toEqual(
        tui.chunks.filter((c) => c.startedAt !== undefined).map((c) => [c.index, c.attempt]),
      );
      expect(api.errors.map((e) => [e.error, e.chunk, e.state])).toEqual(
        tui.errors.slice(-20).map((e) => [e.name, e.chunk ?? null, e.state ?? null]),
      );
      expect(api.invocations.map((i) => i.durationMs)).toEqual(tui.invocations.map((i) => i.durationMs));
      expect(api.currentState).toBe(tui.steps.at(-1)?.name ?? null);
      // The API reports states entered; the cost figure in the TUI also bills each retry.
      const retries = tui.chunks.reduce((sum, c) => sum + Math.max(0, c.attempt - 1), 0);
      expect(api.transitions).toBe(tui.transitions - retries);
    });
  }
});

describe("foldEvents", () => {
  it("gives the same progress folded page by page as in one go", () => {
    const events = syntheticRenderHistory({ chunks: 20, retryOnce: [3, 11], failPermanently: [15] });
    const once = summarizeExecution(events);
    for (const pageSize of [1, 7, 100]) {
      let stepwise = emptyExecutionProgress();
      for (let i = 0; i < events.length; i += pageSize)
        stepwise = foldEvents(stepwise, events.slice(0, i + pageSize)); // re-reads included
      const { indexes: _a, ...left } = once;
      const { indexes: _b, ...right } = stepwise;
      expect(right).toEqual(left);
    }
  });

  it("returns the same object when no event is new, and keeps a caller's extra fields", () => {
    const events = syntheticRenderHistory({ chunks: 3 });
    const start = { ...emptyExecutionProgress(), label: "mine" };
    const folded = foldEvents(start, events);
    expect(folded.label).toBe("mine");
    expect(folded.lastEventId).toBe(events.at(-1)?.id);
    expect(foldEvents(folded, events)).toBe(folded);
  });

  it("attributes the states after the Map to no chunk (current state, attempts)", () => {
    const progress = summarizeExecution(syntheticRenderHistory({ chunks: 4 }));
    expect(currentState(progress)).toBe("Assemble");
    expect(progress.chunks.map((c) => c.attempt)).toEqual([1, 1, 1, 1]);
    expect(progress.invocations.map((i) => i.state)).toEqual([
      "Plan",
      "RenderChunk",
      "RenderChunk",
      "RenderChunk",
      "RenderChunk",
      "Assemble",
    ]);
  });

  it("measures an invocation from TaskStarted (billed time), else from TaskScheduled", () => {
    const events: HistoryEvent[] = [
      { id: 1, type: "ExecutionStarted", timestamp: t(0) },
      entered(2, 1, 0, "Plan"),
      scheduled(3, 2, 0),
      { id: 4, previousEventId: 3, type: "TaskStarted", timestamp: t(1500) },
      { id: 5, previousEventId: 4, type: "TaskSucceeded", timestamp: t(4000) },
      entered(6, 5, 4000, "Assemble"),
      scheduled(7, 6, 4000),
      { id: 8, previousEventId: 7, type: "TaskSucceeded", timestamp: t(5000) },
    ];
    const progress = summarizeExecution(events, { memoryMb: { render: 2048 } });
    expect(progress.invocations).toEqual([
      { functionName: "render", durationMs: 2500, memoryMb: 2048, state: "Plan" },
      { functionName: "render", durationMs: 1000, memoryMb: 2048, state: "Assemble" },
    ]);
  });

  it("bills a top-level task retry as a transition, not as a state entered", () => {
    const events: HistoryEvent[] = [
      { id: 1, type: "ExecutionStarted", timestamp: t(0) },
      entered(2, 1, 0, "Plan"),
      scheduled(3, 2, 0),
      {
        id: 4,
        previousEventId: 3,
        type: "TaskFailed",
        timestamp: t(100),
        taskFailedEventDetails: {
          resource: "invoke",
          resourceType: "lambda",
          error: "S3_TRANSIENT",
          cause: "slow down",
        },
      },
      scheduled(5, 4, 200),
      { id: 6, previousEventId: 5, type: "TaskSucceeded", timestamp: t(300) },
    ];
    const progress = summarizeExecution(events);
    expect(progress.statesEntered).toBe(1);
    expect(progress.transitions).toBe(2);
    expect(progress.errors).toEqual([
      { eventId: 4, timestamp: t(100).getTime(), state: "Plan", name: "S3_TRANSIENT", cause: "slow down" },
    ]);
  });

  it("takes a chunk from the task's ChunkIndex when the iteration is not in the history", () => {
    const events: HistoryEvent[] = [scheduled(40, 39, 0, { Action: "renderChunk", ChunkIndex: 5 })];
    const progress = summarizeExecution(events);
    expect(progress.chunks[5]).toMatchObject({ index: 5, status: "running", attempt: 1 });
  });

  it("never places the execution's own events in a chunk, and reports each event's place", () => {
    const events: HistoryEvent[] = [
      { id: 1, type: "ExecutionStarted", timestamp: t(0) },
      {
        id: 2,
        previousEventId: 1,
        type: "MapIterationStarted",
        timestamp: t(0),
        mapIterationStartedEventDetails: { index: 0 },
      },
      entered(3, 2, 0, "RenderChunk"),
      scheduled(4, 3, 0),
      {
        id: 5,
        previousEventId: 4,
        type: "TaskFailed",
        timestamp: t(10),
        taskFailedEventDetails: {
          resource: "invoke",
          resourceType: "lambda",
          error: "BROWSER_CRASHED",
          cause: "boom",
        },
      },
      {
        id: 6,
        previousEventId: 5,
        type: "ExecutionFailed",
        timestamp: t(20),
        executionFailedEventDetails: { error: "BROWSER_CRASHED", cause: "boom" },
      },
    ];
    const seen: FoldedEvent[] = [];
    const progress = foldEvents(emptyExecutionProgress(), events, {}, (event) => seen.push(event));
    expect(seen.map((e) => [e.id, e.state ?? null, e.chunk ?? null, e.error?.name ?? null])).toEqual([
      [1, null, null, null],
      [2, null, 0, null],
      [3, "RenderChunk", 0, null],
      [4, "RenderChunk", 0, null],
      [5, "RenderChunk", 0, "BROWSER_CRASHED"],
      [6, null, null, "BROWSER_CRASHED"],
    ]);
    expect(progress.status).toBe("FAILED");
    expect(progress.executionError).toEqual({ name: "BROWSER_CRASHED", cause: "boom" });
    // A chunk still retrying when the execution failed ends failed.
    expect(progress.chunks[0]).toMatchObject({ status: "failed", attempt: 1 });
  });
});

describe("toRenderProgress (the API's shape)", () => {
  it("lists started chunks only, a chunk stopped with the execution as aborted", () => {
    const events = syntheticRenderHistory({ chunks: 12, maxConcurrency: 4, abortAtMs: 5000 });
    const progress = summarizeExecution(events);
    const api = toRenderProgress(progress);
    const stopped = progress.chunks.filter((c) => c.status === "queued" && c.startedAt !== undefined);
    expect(stopped.length).toBeGreaterThan(0);
    for (const chunk of stopped)
      expect(api.chunkStates.find((c) => c.index === chunk.index)?.state).toBe("aborted");
    const neverStarted = progress.chunks.filter((c) => c.startedAt === undefined).length;
    expect(neverStarted).toBeGreaterThan(0);
    expect(api.chunks.queued).toBe(neverStarted);
    expect(api.chunkStates).toHaveLength(12 - neverStarted);
    expect(api.chunks.failed).toBe(
      api.chunkStates.filter((c) => c.state === "failed" || c.state === "aborted").length,
    );
  });

  it("keeps the 20 latest errors, causes cut at 2,000 characters, times as ISO strings", () => {
    const events: HistoryEvent[] = [{ id: 1, type: "ExecutionStarted", timestamp: t(0) }];
    for (let i = 0; i < 25; i++) {
      events.push({
        id: 2 + i,
        previousEventId: 1 + i,
        type: "TaskFailed",
        timestamp: t(1000 * (i + 1)),
        taskFailedEventDetails: {
          resource: "invoke",
          resourceType: "lambda",
          error: `E${i}`,
          cause: "x".repeat(3000),
        },
      });
    }
    const api = toRenderProgress(summarizeExecution(events));
    expect(api.errors.map((e) => e.error)).toEqual(Array.from({ length: 20 }, (_, i) => `E${i + 5}`));
    expect(api.errors[0]?.cause).toHaveLength(2000);
    expect(api.errors[0]?.at).toBe(t(6000).toISOString());
  });
});
