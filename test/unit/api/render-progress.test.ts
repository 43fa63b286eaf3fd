import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { summarizeRenderHistory } from "../../../handlers/api/render-progress.js";

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const lambda = { resource: "invoke", resourceType: "lambda" };

/** One chunk that fails once and succeeds on retry, one that fails for good, one never started. */
const events: HistoryEvent[] = [
  { id: 1, type: "ExecutionStarted", timestamp: t(0) },
  {
    id: 2,
    previousEventId: 1,
    type: "TaskStateEntered",
    timestamp: t(0),
    stateEnteredEventDetails: { name: "Plan" },
  },
  {
    id: 3,
    previousEventId: 2,
    type: "TaskScheduled",
    timestamp: t(0),
    taskScheduledEventDetails: { ...lambda, region: "us-east-1", parameters: "{}" },
  },
  {
    id: 4,
    previousEventId: 3,
    type: "TaskSucceeded",
    timestamp: t(2),
    taskSucceededEventDetails: {
      ...lambda,
      output: JSON.stringify({ Payload: { Action: "plan", ChunkCount: 3, TotalFrames: 90 } }),
    },
  },
  {
    id: 5,
    previousEventId: 4,
    type: "MapStateEntered",
    timestamp: t(2),
    stateEnteredEventDetails: { name: "RenderChunks" },
  },
  {
    id: 6,
    previousEventId: 5,
    type: "MapStateStarted",
    timestamp: t(2),
    mapStateStartedEventDetails: { length: 3 },
  },
  {
    id: 7,
    previousEventId: 6,
    type: "MapIterationStarted",
    timestamp: t(2),
    mapIterationStartedEventDetails: { index: 0 },
  },
  {
    id: 8,
    previousEventId: 7,
    type: "TaskStateEntered",
    timestamp: t(2),
    stateEnteredEventDetails: { name: "RenderChunk" },
  },
  {
    id: 9,
    previousEventId: 8,
    type: "TaskScheduled",
    timestamp: t(2),
    taskScheduledEventDetails: { ...lambda, region: "us-east-1", parameters: "{}" },
  },
  {
    id: 10,
    previousEventId: 9,
    type: "TaskFailed",
    timestamp: t(4),
    taskFailedEventDetails: { ...lambda, error: "BROWSER_CRASHED", cause: "boom" },
  },
  {
    id: 11,
    previousEventId: 10,
    type: "TaskScheduled",
    timestamp: t(6),
    taskScheduledEventDetails: { ...lambda, region: "us-east-1", parameters: "{}" },
  },
  {
    id: 12,
    previousEventId: 11,
    type: "TaskSucceeded",
    timestamp: t(9),
    taskSucceededEventDetails: {
      ...lambda,
      output: JSON.stringify({ Payload: { Action: "renderChunk", FramesEncoded: 30 } }),
    },
  },
  {
    id: 13,
    previousEventId: 12,
    type: "MapIterationSucceeded",
    timestamp: t(9),
    mapIterationSucceededEventDetails: { index: 0 },
  },
  {
    id: 14,
    previousEventId: 6,
    type: "MapIterationStarted",
    timestamp: t(2),
    mapIterationStartedEventDetails: { index: 1 },
  },
  {
    id: 15,
    previousEventId: 14,
    type: "TaskStateEntered",
    timestamp: t(2),
    stateEnteredEventDetails: { name: "RenderChunk" },
  },
  {
    id: 16,
    previousEventId: 15,
    type: "TaskScheduled",
    timestamp: t(2),
    taskScheduledEventDetails: { ...lambda, region: "us-east-1", parameters: "{}" },
  },
  {
    id: 17,
    previousEventId: 16,
    type: "TaskFailed",
    timestamp: t(3),
    taskFailedEventDetails: { ...lambda, error: "INVALID_CONFIG", cause: "fps" },
  },
  {
    id: 18,
    previousEventId: 17,
    type: "MapIterationFailed",
    timestamp: t(3),
    mapIterationFailedEventDetails: { index: 1 },
  },
  {
    id: 19,
    previousEventId: 18,
    type: "ExecutionFailed",
    timestamp: t(10),
    executionFailedEventDetails: { error: "INVALID_CONFIG", cause: "fps" },
  },
];

describe("render progress from history", () => {
  it("counts chunk states, attempts, frames, errors and invocations", () => {
    const p = summarizeRenderHistory(events);
    expect(p.totalChunks).toBe(3);
    expect(p.totalFrames).toBe(90);
    expect(p.framesRendered).toBe(30);
    expect(p.chunks).toEqual({ queued: 1, running: 0, retrying: 0, succeeded: 1, failed: 1 });
    expect(p.chunkStates).toEqual([
      { index: 0, state: "succeeded", attempts: 2 },
      { index: 1, state: "failed", attempts: 1 },
    ]);
    expect(p.errors.map((e) => [e.error, e.chunk])).toEqual([
      ["BROWSER_CRASHED", 0],
      ["INVALID_CONFIG", 1],
      ["INVALID_CONFIG", null],
    ]);
    expect(p.invocations.map((i) => i.durationMs)).toEqual([2000, 2000, 3000, 1000]);
    expect(p.invocations.map((i) => i.state)).toEqual(["Plan", "RenderChunk", "RenderChunk", "RenderChunk"]);
    expect(p.transitions).toBe(4);
    expect(p.currentState).toBe("RenderChunks");
  });

  it("handles an empty history", () => {
    expect(summarizeRenderHistory([])).toMatchObject({ totalChunks: null, chunkStates: [], errors: [] });
  });
});
