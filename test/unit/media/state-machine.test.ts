import { createRequire } from "node:module";
import { StateMachine } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import {
  AppError,
  LAMBDA_RUNTIME_ERROR_NAMES,
  RETRYABLE_ERROR_NAMES,
} from "../../../handlers/contracts/errors.js";
import { MEDIA_ACTIONS } from "../../../handlers/contracts/media-events.js";
import {
  FAILING_MEDIA_STEPS,
  failedStateName,
  mediaStateMachine,
} from "../../../modules/state-machines/media.js";

type Validator = (definition: unknown) => { isValid: boolean; errors: unknown[] };
const aslValidator = createRequire(import.meta.url)("asl-validator") as Validator;

const arn = "arn:aws:lambda:us-east-1:000000000000:function:media";
const definition = mediaStateMachine({ mediaFunctionArn: arn });
const tasks = Object.entries(definition.States).filter(([, state]) => state.Type === "Task");

describe("mediaStateMachine", () => {
  it("is valid ASL and JSON-serializable", () => {
    const result = aslValidator(JSON.parse(JSON.stringify(definition)));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it("invokes the media function with a known Action from every task, with a timeout and registry retries", () => {
    expect(tasks.length).toBeGreaterThanOrEqual(7);
    for (const [name, state] of tasks) {
      expect(state.Resource, name).toBe("arn:aws:states:::lambda:invoke");
      const parameters = state.Parameters as { FunctionName: string; Payload: { Action: string } };
      expect(parameters.FunctionName, name).toBe(arn);
      expect(MEDIA_ACTIONS, name).toContain(parameters.Payload.Action);
      expect(state.TimeoutSeconds, name).toBeGreaterThan(0);
      const retry = state.Retry as Array<{ ErrorEquals: string[] }>;
      expect(retry[0]?.ErrorEquals, name).toEqual([...RETRYABLE_ERROR_NAMES, ...LAMBDA_RUNTIME_ERROR_NAMES]);
      expect(JSON.stringify(state.Retry), name).not.toContain("States.ALL");
    }
  });

  it("routes every failure of a pipeline step through RecordFailure to the Fail state", () => {
    for (const step of FAILING_MEDIA_STEPS) {
      const taskName = `${step[0]?.toUpperCase()}${step.slice(1)}`;
      const catchers = definition.States[taskName]?.Catch as Array<{ ErrorEquals: string[]; Next: string }>;
      expect(catchers, taskName).toEqual([
        { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: failedStateName(step) },
      ]);
      expect(definition.States[failedStateName(step)]).toMatchObject({
        Type: "Pass",
        Result: step,
        Next: "RecordFailure",
      });
    }
    expect(definition.States.RecordFailure).toMatchObject({ Type: "Task", Next: "Failed" });
    expect(definition.States.Failed).toEqual({
      Type: "Fail",
      ErrorPath: "$.error.Error",
      CausePath: "$.error.Cause",
    });
  });

  it("lets transcription failures complete the video without subtitles", () => {
    for (const name of ["TranscribeStart", "TranscribeStatus", "TranscribeFinish"]) {
      expect(definition.States[name]?.Catch, name).toEqual([
        { ErrorEquals: ["States.ALL"], ResultPath: "$.transcription", Next: "Complete" },
      ]);
    }
  });

  it("uses the function timeout on heavy tasks and the poll interval in the wait loop", () => {
    const custom = mediaStateMachine({
      mediaFunctionArn: arn,
      mediaTimeoutSeconds: 600,
      transcribePollSeconds: 5,
    });
    expect(custom.States.Transcode?.TimeoutSeconds).toBe(600);
    expect(custom.States.Thumbnails?.TimeoutSeconds).toBe(600);
    expect(custom.States.TranscribeWait).toEqual({ Type: "Wait", Seconds: 5, Next: "TranscribeStatus" });
  });

  it("refuses bad references with a message naming the field", () => {
    expect(() => mediaStateMachine({ mediaFunctionArn: "" })).toThrow(/mediaFunctionArn/);
    expect(() => mediaStateMachine({ mediaFunctionArn: arn, mediaTimeoutSeconds: 0 })).toThrow(
      /mediaTimeoutSeconds.*0/,
    );
  });
});

describe("mediaStateMachine in aws-local-stepfunctions with fake tasks", () => {
  type Payload = { Action: string; [key: string]: unknown };
  const plan = { renditions: [] };

  async function run(behaviour: Partial<Record<string, (payload: Payload) => unknown>>) {
    const calls: Payload[] = [];
    const defaults: Record<string, (payload: Payload) => unknown> = {
      prepare: () => ({ alreadyComplete: false, transcribe: true, subtitlesSkippedReason: null, plan }),
      transcode: () => ({ renditions: [], durationMs: 1 }),
      thumbnails: () => ({ spriteSheets: 1, durationMs: 1 }),
      transcribeStart: () => ({ jobName: "job", language: "en-US", startedAt: "2026-11-21T12:00:00Z" }),
      transcribeStatus: () => ({ state: "COMPLETED", reason: null }),
      transcribeFinish: () => ({ subtitles: [{ language: "en-US", key: "k" }] }),
      complete: () => ({ status: "processing_complete", totalBytes: 1 }),
      fail: () => ({ status: "processing_failed" }),
    };
    const taskHandlers: Record<string, (params: { Payload: Payload }) => Promise<unknown>> = {};
    const retryIntervalOverrides: Record<string, number> = {};
    for (const [name, state] of tasks) {
      retryIntervalOverrides[name] = 0;
      const action = (state.Parameters as { Payload: { Action: string } }).Payload.Action;
      taskHandlers[name] = async ({ Payload }) => {
        calls.push(Payload);
        const fn = behaviour[action] ?? defaults[action];
        return { Payload: fn?.(Payload) };
      };
    }
    const machine = new StateMachine(definition as unknown as ConstructorParameters<typeof StateMachine>[0]);
    const execution = machine.run(
      {
        bucket: "bucket-1",
        key: "uploads/u/f.mp4",
        size: 10,
        videoId: "0".repeat(32),
        fileName: "f.mp4",
        reprocess: false,
      },
      {
        overrides: {
          taskResourceLocalHandlers: taskHandlers as never,
          retryIntervalOverrides,
          waitTimeOverrides: { TranscribeWait: 0 },
        },
      },
    );
    let error: unknown;
    try {
      await execution.result;
    } catch (err) {
      error = err;
    }
    return { calls, error, byAction: (action: string) => calls.filter((c) => c.Action === action) };
  }

  it("polls until the transcription completes, then completes with the subtitles", async () => {
    let polls = 0;
    const result = await run({
      transcribeStatus: () => ({ state: ++polls < 3 ? "IN_PROGRESS" : "COMPLETED", reason: null }),
    });
    expect(result.error).toBeUndefined();
    expect(result.byAction("transcribeStatus")).toHaveLength(3);
    expect(result.byAction("complete")[0]?.transcription).toEqual({
      subtitles: [{ language: "en-US", key: "k" }],
    });
  });

  it("completes without subtitles when transcription fails or is skipped", async () => {
    const failed = await run({ transcribeStatus: () => ({ state: "FAILED", reason: "engine missing" }) });
    expect(failed.error).toBeUndefined();
    expect(failed.byAction("complete")[0]?.transcription).toEqual({
      Error: "TRANSCRIPTION_FAILED",
      Cause: "engine missing",
    });
    const skipped = await run({
      prepare: () => ({
        alreadyComplete: false,
        transcribe: false,
        subtitlesSkippedReason: "no audio",
        plan,
      }),
    });
    expect(skipped.byAction("transcribeStart")).toHaveLength(0);
    expect(skipped.byAction("complete")[0]?.transcription).toEqual({ skipped: true, reason: "no audio" });
  });

  it("records the failing step and fails the execution with the original error", async () => {
    const result = await run({
      thumbnails: () => {
        throw new AppError("UNSUPPORTED_MEDIA", "nope");
      },
    });
    expect(result.byAction("fail")).toEqual([
      expect.objectContaining({
        step: "thumbnails",
        error: expect.objectContaining({ Error: "UNSUPPORTED_MEDIA" }),
      }),
    ]);
    expect(result.byAction("complete")).toHaveLength(0);
    expect(result.error).toMatchObject({ name: "ExecutionError" });
    expect(String((result.error as { cause?: { name?: string } }).cause?.name)).toBe("UNSUPPORTED_MEDIA");
  });

  it("retries a transient error and skips everything for an already complete video", async () => {
    let attempts = 0;
    const retried = await run({
      transcode: () => {
        if (++attempts === 1) throw new AppError("S3_TRANSIENT", "slow down");
        return { renditions: [], durationMs: 1 };
      },
    });
    expect(retried.error).toBeUndefined();
    expect(attempts).toBe(2);
    const done = await run({
      prepare: () => ({ alreadyComplete: true, transcribe: false, subtitlesSkippedReason: null, plan: null }),
    });
    expect(done.calls.map((c) => c.Action)).toEqual(["prepare"]);
  });
});
