import { readFileSync } from "node:fs";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { readNewEvents } from "../../../tui/history/history-reader.js";
import { applyEvents, emptyJobModel, filterEntries, jobCost } from "../../../tui/history/job-model.js";
import { pagedHistory } from "../../../tui/history/synthetic-history.js";

/** A real history recorded from the local cloud's Step Functions API (title-card, 6 chunks of 10 frames). */
function recorded(): HistoryEvent[] {
  const raw = JSON.parse(
    readFileSync(new URL("./fixtures/title-card-render-history.json", import.meta.url), "utf8"),
  ) as Array<HistoryEvent & { timestamp: string }>;
  return raw.map((event) => ({ ...event, timestamp: new Date(event.timestamp) }));
}

const ARN = "arn:aws:states:us-east-1:000000000000:execution:hyperframes-render:r20261121t120219-4c5348d8";

describe("a history recorded from the local cloud", () => {
  it("folds into a finished render: 6 chunks, 60 frames, output, steps", () => {
    const model = applyEvents(emptyJobModel(ARN), recorded());
    expect(model).toMatchObject({
      kind: "render",
      jobId: "r20261121t120219-4c5348d8",
      status: "SUCCEEDED",
      chunkCount: 6,
      totalFrames: 60,
      framesDone: 60,
      fps: 30,
      width: 640,
      height: 360,
      outputUri: "s3://hyperframes-local/outputs/r20261121t120219-4c5348d8/title-card.mp4",
    });
    expect(model.counts.done).toBe(6);
    expect(model.steps.map((s) => s.name)).toEqual(
      [
        "HasMaxParallelChunks",
        "DefaultMaxParallelChunks",
        "Plan",
        "HasChunks",
        "ListChunks",
        "RenderChunks",
        "Assemble",
        "Done",
      ].filter((name) => model.steps.some((s) => s.name === name)),
    );
    expect(model.invocations).toHaveLength(8);
    expect(model.invocations.every((inv) => inv.durationMs > 0)).toBe(true);
    expect(jobCost(model).totalUsd).toBeGreaterThan(0);
    expect(filterEntries(model.entries, { chunk: 5 }).map((e) => e.type)).toEqual([
      "MapIterationStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSucceeded",
      "TaskStateExited",
      "MapIterationSucceeded",
    ]);
  });

  it("reads incrementally to the same model as a single read", async () => {
    const events = recorded();
    let visible = 10;
    const fetchPage = async (request: Parameters<ReturnType<typeof pagedHistory>>[0]) =>
      pagedHistory(events.slice(0, visible))(request);
    let model = emptyJobModel(ARN);
    while (true) {
      const read = await readNewEvents(fetchPage, ARN, model.lastEventId, { pageSize: 5 });
      model = applyEvents(model, read.events);
      if (visible >= events.length) break;
      visible += 9;
    }
    const once = applyEvents(emptyJobModel(ARN), events);
    expect(model.lastEventId).toBe(events.length);
    expect(model.counts).toEqual(once.counts);
    expect(model.invocations).toEqual(once.invocations);
    expect(model.transitions).toBe(once.transitions);
  });
});
