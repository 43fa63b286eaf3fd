import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { LAMBDA_RUNTIME_ERROR_NAMES, RETRYABLE_ERROR_NAMES } from "../../../handlers/contracts/errors.js";
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
