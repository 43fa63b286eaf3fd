import { describe, expect, it } from "vitest";
import {
  HistoryRecorder,
  type LibraryEvent,
  type StateFacts,
  simplePath,
} from "../../../local/sfn/history.js";

const states = new Map<string, StateFacts>([
  ["Each", { type: "Map", itemsPath: "$.Items" }],
  ["Item", { type: "Task" }],
  ["Done", { type: "Pass" }],
]);

function recorder(): HistoryRecorder {
  let now = 1_000;
  return new HistoryRecorder({
    states,
    region: "us-east-1",
    roleArn: "arn:aws:iam::000000000000:role/x",
    now: () => (now += 1),
  });
}

const entered = (name: string, type: string, input: unknown, index?: number): LibraryEvent => ({
  type: "StateEntered",
  timestamp: 5,
  state: { name, type, input },
  ...(index !== undefined ? { index } : {}),
});

describe("simplePath", () => {
  it("follows $, .name and [n] steps", () => {
    expect(simplePath({ a: { b: [1, { c: 2 }] } }, "$.a.b[1].c")).toBe(2);
    expect(simplePath({ a: 1 }, "$")).toEqual({ a: 1 });
    expect(simplePath({ a: 1 }, undefined)).toEqual({ a: 1 });
  });

  it("gives undefined for paths it does not understand", () => {
    expect(simplePath({ a: [1] }, "$.a[*]")).toBeUndefined();
    expect(simplePath({ a: 1 }, "a")).toBeUndefined();
  });
});

describe("HistoryRecorder", () => {
  it("numbers events from 1 and chains task events to their state", () => {
    const r = recorder();
    r.executionStarted({ Items: [1, 2] });
    r.fromLibrary(entered("Item", "Task", { x: 1 }));
    const task = r.taskScheduled(
      "Item",
      "lambda:invoke",
      "arn:aws:states:::lambda:invoke",
      { FunctionName: "render", Payload: {} },
      930,
    );
    task.started();
    task.failed("Runtime.ExitError", "killed");
    r.fromLibrary({ type: "StateRetried", timestamp: 6, state: { name: "Item", type: "Task" } });
    const retry = r.taskScheduled("Item", "lambda:invoke", "arn:aws:states:::lambda:invoke", {}, 930);
    retry.started();
    retry.succeeded({ Payload: 1 });
    r.fromLibrary({
      type: "StateExited",
      timestamp: 7,
      state: { name: "Item", type: "Task", input: {}, output: 1 },
    });
    r.fromLibrary({ type: "ExecutionSucceeded", timestamp: 8, output: 1 });

    const types = r.events.map((e) => e.type);
    expect(types).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskFailed",
      "TaskScheduled",
      "TaskStarted",
      "TaskSucceeded",
      "TaskStateExited",
      "ExecutionSucceeded",
    ]);
    expect(r.events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.events.map((e) => e.previousEventId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.events[2]?.taskScheduledEventDetails).toEqual({
      resourceType: "lambda",
      resource: "invoke",
      region: "us-east-1",
      parameters: JSON.stringify({ FunctionName: "render", Payload: {} }),
      timeoutInSeconds: 930,
    });
    expect(r.events[4]?.taskFailedEventDetails).toEqual({
      resourceType: "lambda",
      resource: "invoke",
      error: "Runtime.ExitError",
      cause: "killed",
    });
    expect(r.isClosed).toBe(true);
  });

  it("records Map state and iteration events with the item count, one lane per iteration", () => {
    const r = recorder();
    r.executionStarted({});
    r.fromLibrary(entered("Each", "Map", { Items: ["a", "b"] }));
    for (const index of [0, 1]) {
      r.fromLibrary({
        type: "MapIterationStarted",
        timestamp: 6,
        index,
        parentState: { name: "Each", type: "Map" },
      });
    }
    r.fromLibrary(entered("Item", "Task", "b", 1));
    r.fromLibrary(entered("Item", "Task", "a", 0));
    const first = r.taskScheduled("Item", "lambda:invoke", "arn:aws:states:::lambda:invoke", {}, 60);
    for (const index of [1, 0])
      r.fromLibrary({
        type: "MapIterationSucceeded",
        timestamp: 7,
        index,
        parentState: { name: "Each", type: "Map" },
      });
    r.fromLibrary({ type: "StateExited", timestamp: 8, state: { name: "Each", type: "Map", output: {} } });

    const byType = (type: string) => r.events.filter((e) => e.type === type);
    expect(byType("MapStateStarted")[0]?.mapStateStartedEventDetails).toEqual({ length: 2 });
    const starts = byType("MapIterationStarted");
    expect(starts.map((e) => e.mapIterationStartedEventDetails)).toEqual([
      { name: "Each", index: 0 },
      { name: "Each", index: 1 },
    ]);
    const mapStarted = byType("MapStateStarted")[0]?.id;
    expect(starts.every((e) => e.previousEventId === mapStarted)).toBe(true);
    // The first scheduled task belongs to the first entered Task state (iteration 1 here).
    const enteredIteration1 = r.events.find((e) => e.type === "TaskStateEntered")?.id;
    expect(byType("TaskScheduled")[0]?.previousEventId).toBe(enteredIteration1);
    expect(first).toBeDefined();
    const succeeded = byType("MapStateSucceeded")[0];
    expect(succeeded?.previousEventId).toBe(byType("MapIterationSucceeded").at(-1)?.id);
    expect(r.events.at(-1)?.type).toBe("MapStateExited");
  });

  it("ignores everything after the execution ended (a stop wins over late task events)", () => {
    const r = recorder();
    r.executionStarted({});
    r.fromLibrary(entered("Item", "Task", {}));
    const task = r.taskScheduled("Item", "lambda:invoke", "arn:aws:states:::lambda:invoke", {}, 60);
    r.executionAborted("JOB_CANCELLED", "stopped");
    task.failed("States.Aborted", "stopped");
    r.fromLibrary({ type: "ExecutionFailed", timestamp: 9, Error: "X", Cause: "y" });
    expect(r.events.at(-1)).toMatchObject({
      type: "ExecutionAborted",
      executionAbortedEventDetails: { error: "JOB_CANCELLED", cause: "stopped" },
    });
    expect(r.events.filter((e) => e.type === "TaskFailed")).toHaveLength(0);
  });

  it("names a failed execution's error and cause", () => {
    const r = recorder();
    r.executionStarted({});
    r.fromLibrary({ type: "ExecutionFailed", timestamp: 9, Error: "NO_CHUNKS", Cause: { why: "no frames" } });
    expect(r.events.at(-1)?.executionFailedEventDetails).toEqual({
      error: "NO_CHUNKS",
      cause: JSON.stringify({ why: "no frames" }),
    });
  });

  it("uses the LambdaFunction* events for a bare function ARN resource", () => {
    const r = recorder();
    r.executionStarted({});
    r.fromLibrary(entered("Item", "Task", {}));
    const task = r.taskScheduled(
      "Item",
      "lambda-arn",
      "arn:aws:lambda:us-east-1:000000000000:function:render",
      { a: 1 },
      undefined,
    );
    task.started();
    task.timedOut("States.Timeout", "late");
    expect(r.events.slice(2).map((e) => e.type)).toEqual([
      "LambdaFunctionScheduled",
      "LambdaFunctionStarted",
      "LambdaFunctionTimedOut",
    ]);
  });
});
