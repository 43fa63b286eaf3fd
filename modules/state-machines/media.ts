import { LAMBDA_RUNTIME_ERROR_NAMES, RETRYABLE_ERROR_NAMES } from "../../handlers/contracts/errors.js";

/**
 * The media state machine (Amazon States Language), a pure function of its references.
 *
 *   Prepare ─► AlreadyComplete? ─yes─► Done
 *                 │no
 *   Transcode ─► Thumbnails ─► Subtitles? ─no─► SkipSubtitles ─────────────────────┐
 *                                 │yes                                              │
 *   TranscribeStart ─► TranscribeWait ─► TranscribeStatus ─► done? ─► TranscribeFinish ─► Complete ─► Done
 *                           ▲──────────── IN_PROGRESS ◄──────┘  FAILED ─► TranscriptionFailed ─┘
 *
 * Every task retries the registry's retryable errors plus Lambda's own, has a TimeoutSeconds, and on any
 * other failure (States.ALL, timeouts included) goes through `<Step>Failed` (names the step) to
 * RecordFailure (writes `processing_failed` with step, error name and message) and then the Fail state,
 * whose error is the original one. Transcription errors are the exception: subtitles are optional, so a
 * failed transcription completes the video without them and records why in its status.
 *
 * Results are picked from the `lambda:invoke` envelope with ResultSelector and stay a few hundred bytes.
 */

export interface MediaStateMachineRefs {
  /** ARN (or, locally, `arn:...:function:media`) of the media function; every task invokes it. */
  readonly mediaFunctionArn: string;
  /** The media function's timeout; the transcode and thumbnails tasks time out after it. Default 900. */
  readonly mediaTimeoutSeconds?: number;
  /** Seconds between Transcribe status polls. Default 15. */
  readonly transcribePollSeconds?: number;
  /** Retry attempts for retryable errors per task. Default 2. */
  readonly maxRetryAttempts?: number;
}

export const MEDIA_STATE_MACHINE_DEFAULTS = {
  mediaTimeoutSeconds: 900,
  transcribePollSeconds: 15,
  maxRetryAttempts: 2,
} as const;

/** Timeouts of the short tasks, seconds. Heavy tasks (transcode, thumbnails) use the function timeout. */
const SHORT_TASK_TIMEOUT_SECONDS = { prepare: 300, transcribe: 120, complete: 300, fail: 60 } as const;

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

export interface MediaStateMachineDefinition {
  Comment: string;
  StartAt: string;
  States: Record<string, JsonObject>;
}

/** Steps as recorded in a failed video's status (`error.step`). */
export const MEDIA_STEPS = ["prepare", "transcode", "thumbnails", "transcribe", "complete"] as const;
export type MediaStep = (typeof MEDIA_STEPS)[number];
/** Steps whose failure fails the video (transcription failures only skip subtitles). */
export const FAILING_MEDIA_STEPS = [
  "prepare",
  "transcode",
  "thumbnails",
  "complete",
] as const satisfies readonly MediaStep[];
type FailingMediaStep = (typeof FAILING_MEDIA_STEPS)[number];

const source = {
  "bucket.$": "$.bucket",
  "key.$": "$.key",
  "size.$": "$.size",
  "videoId.$": "$.videoId",
  "fileName.$": "$.fileName",
} as const;

export function mediaStateMachine(refs: MediaStateMachineRefs): MediaStateMachineDefinition {
  const timeout = positiveInt(
    refs.mediaTimeoutSeconds ?? MEDIA_STATE_MACHINE_DEFAULTS.mediaTimeoutSeconds,
    "mediaTimeoutSeconds",
  );
  const poll = positiveInt(
    refs.transcribePollSeconds ?? MEDIA_STATE_MACHINE_DEFAULTS.transcribePollSeconds,
    "transcribePollSeconds",
  );
  const attempts = positiveInt(
    refs.maxRetryAttempts ?? MEDIA_STATE_MACHINE_DEFAULTS.maxRetryAttempts,
    "maxRetryAttempts",
  );
  if (!refs.mediaFunctionArn) throw new TypeError("mediaStateMachine: mediaFunctionArn is required");

  const retry: JsonValue[] = [
    {
      ErrorEquals: [...RETRYABLE_ERROR_NAMES, ...LAMBDA_RUNTIME_ERROR_NAMES],
      IntervalSeconds: 2,
      MaxAttempts: attempts,
      BackoffRate: 2,
      JitterStrategy: "FULL",
    },
  ];

  const task = (
    payload: JsonObject,
    options: {
      timeoutSeconds: number;
      resultSelector: JsonObject;
      resultPath: string;
      next: string;
      catchTo: JsonValue[];
    },
  ): JsonObject => ({
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: refs.mediaFunctionArn, Payload: payload },
    ResultSelector: options.resultSelector,
    ResultPath: options.resultPath,
    TimeoutSeconds: options.timeoutSeconds,
    Retry: retry,
    Catch: options.catchTo,
    Next: options.next,
  });

  /** Any error in `step` -> `<Step>Failed` -> RecordFailure -> Failed. */
  const failTo = (step: FailingMediaStep): JsonValue[] => [
    { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: failedStateName(step) },
  ];
  /** Transcription errors skip subtitles (recorded in the status); the video still completes. */
  const transcriptionCatch: JsonValue[] = [
    { ErrorEquals: ["States.ALL"], ResultPath: "$.transcription", Next: "Complete" },
  ];

  const states: Record<string, JsonObject> = {
    Prepare: task(
      { Action: "prepare", ...source, "reprocess.$": "$.reprocess" },
      {
        timeoutSeconds: SHORT_TASK_TIMEOUT_SECONDS.prepare,
        resultSelector: {
          "alreadyComplete.$": "$.Payload.alreadyComplete",
          "transcribe.$": "$.Payload.transcribe",
          "subtitlesSkippedReason.$": "$.Payload.subtitlesSkippedReason",
          "plan.$": "$.Payload.plan",
        },
        resultPath: "$.prepare",
        next: "AlreadyComplete",
        catchTo: failTo("prepare"),
      },
    ),
    AlreadyComplete: {
      Type: "Choice",
      Choices: [{ Variable: "$.prepare.alreadyComplete", BooleanEquals: true, Next: "Done" }],
      Default: "Transcode",
    },
    Transcode: task(
      { Action: "transcode", ...source, "plan.$": "$.prepare.plan" },
      {
        timeoutSeconds: timeout,
        resultSelector: { "renditions.$": "$.Payload.renditions", "durationMs.$": "$.Payload.durationMs" },
        resultPath: "$.transcode",
        next: "Thumbnails",
        catchTo: failTo("transcode"),
      },
    ),
    Thumbnails: task(
      { Action: "thumbnails", ...source, "plan.$": "$.prepare.plan" },
      {
        timeoutSeconds: timeout,
        resultSelector: {
          "spriteSheets.$": "$.Payload.spriteSheets",
          "durationMs.$": "$.Payload.durationMs",
        },
        resultPath: "$.thumbnails",
        next: "Subtitles",
        catchTo: failTo("thumbnails"),
      },
    ),
    Subtitles: {
      Type: "Choice",
      Choices: [{ Variable: "$.prepare.transcribe", BooleanEquals: true, Next: "TranscribeStart" }],
      Default: "SkipSubtitles",
    },
    SkipSubtitles: {
      Type: "Pass",
      Parameters: { skipped: true, "reason.$": "$.prepare.subtitlesSkippedReason" },
      ResultPath: "$.transcription",
      Next: "Complete",
    },
    TranscribeStart: task(
      { Action: "transcribeStart", ...source, "plan.$": "$.prepare.plan" },
      {
        timeoutSeconds: SHORT_TASK_TIMEOUT_SECONDS.transcribe,
        resultSelector: {
          "jobName.$": "$.Payload.jobName",
          "language.$": "$.Payload.language",
          "startedAt.$": "$.Payload.startedAt",
        },
        resultPath: "$.transcribeJob",
        next: "TranscribeWait",
        catchTo: transcriptionCatch,
      },
    ),
    TranscribeWait: { Type: "Wait", Seconds: poll, Next: "TranscribeStatus" },
    TranscribeStatus: task(
      {
        Action: "transcribeStatus",
        "videoId.$": "$.videoId",
        "bucket.$": "$.bucket",
        "jobName.$": "$.transcribeJob.jobName",
        "startedAt.$": "$.transcribeJob.startedAt",
      },
      {
        timeoutSeconds: SHORT_TASK_TIMEOUT_SECONDS.transcribe,
        resultSelector: { "state.$": "$.Payload.state", "reason.$": "$.Payload.reason" },
        resultPath: "$.transcribeStatus",
        next: "TranscribeDone",
        catchTo: transcriptionCatch,
      },
    ),
    TranscribeDone: {
      Type: "Choice",
      Choices: [
        { Variable: "$.transcribeStatus.state", StringEquals: "COMPLETED", Next: "TranscribeFinish" },
        { Variable: "$.transcribeStatus.state", StringEquals: "FAILED", Next: "TranscriptionFailed" },
      ],
      Default: "TranscribeWait",
    },
    TranscriptionFailed: {
      Type: "Pass",
      Parameters: { Error: "TRANSCRIPTION_FAILED", "Cause.$": "$.transcribeStatus.reason" },
      ResultPath: "$.transcription",
      Next: "Complete",
    },
    TranscribeFinish: task(
      {
        Action: "transcribeFinish",
        ...source,
        "plan.$": "$.prepare.plan",
        "jobName.$": "$.transcribeJob.jobName",
        "language.$": "$.transcribeJob.language",
      },
      {
        timeoutSeconds: SHORT_TASK_TIMEOUT_SECONDS.complete,
        resultSelector: { "subtitles.$": "$.Payload.subtitles" },
        resultPath: "$.transcription",
        next: "Complete",
        catchTo: transcriptionCatch,
      },
    ),
    Complete: task(
      { Action: "complete", ...source, "plan.$": "$.prepare.plan", "transcription.$": "$.transcription" },
      {
        timeoutSeconds: SHORT_TASK_TIMEOUT_SECONDS.complete,
        resultSelector: { "status.$": "$.Payload.status", "totalBytes.$": "$.Payload.totalBytes" },
        resultPath: "$.complete",
        next: "Done",
        catchTo: failTo("complete"),
      },
    ),
    Done: { Type: "Succeed" },
  };

  for (const step of FAILING_MEDIA_STEPS) {
    states[failedStateName(step)] = {
      Type: "Pass",
      Result: step,
      ResultPath: "$.failedStep",
      Next: "RecordFailure",
    };
  }
  states.RecordFailure = {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: {
      FunctionName: refs.mediaFunctionArn,
      Payload: {
        Action: "fail",
        "bucket.$": "$.bucket",
        "videoId.$": "$.videoId",
        "step.$": "$.failedStep",
        "error.$": "$.error",
      },
    },
    ResultSelector: { "status.$": "$.Payload.status" },
    ResultPath: "$.recorded",
    TimeoutSeconds: SHORT_TASK_TIMEOUT_SECONDS.fail,
    Retry: retry,
    // Even when the status cannot be written the execution fails with the original error.
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.recordError", Next: "Failed" }],
    Next: "Failed",
  };
  states.Failed = { Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" };

  return {
    Comment:
      "hyperframes media pipeline: probe, one-pass CMAF ladder (HLS + DASH), thumbnails, subtitles, status",
    StartAt: "Prepare",
    States: states,
  };
}

export const failedStateName = (step: FailingMediaStep): string =>
  `${step[0]?.toUpperCase()}${step.slice(1)}Failed`;

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new TypeError(
      `mediaStateMachine: ${name} must be a positive integer, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
