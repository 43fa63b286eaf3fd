import { LAMBDA_RUNTIME_ERROR_NAMES, RETRYABLE_ERROR_NAMES } from "../../handlers/contracts/errors.js";

/**
 * A small typed subset of the Amazon States Language: enough for the definitions in this folder, and
 * plain JSON-serializable objects (CDKTF embeds them with JSON.stringify; the local cloud runs them
 * as they are in aws-local-stepfunctions).
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds: number;
  MaxAttempts: number;
  BackoffRate: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: "FULL" | "NONE";
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

interface Transition {
  Next?: string;
  End?: true;
  Comment?: string;
}

export interface TaskState extends Transition {
  Type: "Task";
  Resource: string;
  Parameters: JsonObject;
  ResultSelector?: JsonObject;
  ResultPath?: string | null;
  OutputPath?: string;
  TimeoutSeconds: number;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

export interface PassState extends Transition {
  Type: "Pass";
  Parameters?: JsonObject;
  Result?: JsonValue;
  ResultPath?: string | null;
  OutputPath?: string;
}

export interface ChoiceRule {
  Variable: string;
  Next: string;
  IsPresent?: boolean;
  NumericGreaterThan?: number;
  NumericLessThanEquals?: number;
  BooleanEquals?: boolean;
  StringEquals?: string;
}

export interface ChoiceState {
  Type: "Choice";
  Comment?: string;
  Choices: ChoiceRule[];
  Default: string;
}

export interface FailState {
  Type: "Fail";
  Comment?: string;
  Error: string;
  Cause: string;
}

export interface SucceedState {
  Type: "Succeed";
  Comment?: string;
}

export interface WaitState extends Transition {
  Type: "Wait";
  Seconds?: number;
  SecondsPath?: string;
}

export interface MapState extends Transition {
  Type: "Map";
  ItemsPath: string;
  ItemSelector: JsonObject;
  ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }; StartAt: string; States: Record<string, State> };
  MaxConcurrency?: number;
  MaxConcurrencyPath?: string;
  ResultPath?: string | null;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

export type State = TaskState | PassState | ChoiceState | FailState | SucceedState | WaitState | MapState;

export interface StateMachineDefinition {
  Comment: string;
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, State>;
}

/** Backoff settings of the transient-error retrier. Defaults: 2 s, x2, 3 attempts, at most 60 s, full jitter. */
export interface RetryOptions {
  intervalSeconds?: number;
  maxAttempts?: number;
  backoffRate?: number;
  maxDelaySeconds?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = {
  intervalSeconds: 2,
  maxAttempts: 3,
  backoffRate: 2,
  maxDelaySeconds: 60,
};

/** The error names a Task retries: the registry's retryable ones and Lambda's own transient ones. Never hand-typed. */
export const TRANSIENT_ERROR_NAMES: readonly string[] = [
  ...RETRYABLE_ERROR_NAMES,
  ...LAMBDA_RUNTIME_ERROR_NAMES,
];

/** One retrier for transient errors; the registry's fatal errors are not listed, so they fail at once. */
export function transientRetry(options: RetryOptions = {}): Retrier[] {
  const settings = { ...DEFAULT_RETRY, ...options };
  return [
    {
      ErrorEquals: [...TRANSIENT_ERROR_NAMES],
      IntervalSeconds: settings.intervalSeconds,
      MaxAttempts: settings.maxAttempts,
      BackoffRate: settings.backoffRate,
      MaxDelaySeconds: settings.maxDelaySeconds,
      JitterStrategy: "FULL",
    },
  ];
}

/** A `lambda:invoke` Task with the shared shape: FunctionName from refs, payload, result read from `$.Payload`. */
export function lambdaInvokeTask(options: {
  functionArn: string;
  /** The payload object, or a JSONPath whose value is the whole payload (e.g. `"$"` in a Map item). */
  payload: JsonObject | string;
  timeoutSeconds: number;
  resultSelector?: JsonObject;
  resultPath?: string | null;
  retry?: Retrier[];
  catch?: Catcher[];
  next?: string;
  comment?: string;
}): TaskState {
  const task: TaskState = {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters:
      typeof options.payload === "string"
        ? { FunctionName: options.functionArn, "Payload.$": options.payload }
        : { FunctionName: options.functionArn, Payload: options.payload },
    TimeoutSeconds: options.timeoutSeconds,
  };
  if (options.comment) task.Comment = options.comment;
  if (options.resultSelector) task.ResultSelector = options.resultSelector;
  if (options.resultPath !== undefined) task.ResultPath = options.resultPath;
  if (options.retry) task.Retry = options.retry;
  if (options.catch) task.Catch = options.catch;
  if (options.next) task.Next = options.next;
  else task.End = true;
  return task;
}

/** Throws a RangeError naming the field when a timeout is not a whole number of seconds in range. */
export function checkSeconds(field: string, value: number, max = 31_536_000): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(
      `${field} must be a whole number of seconds between 1 and ${max}, got ${String(value)}`,
    );
  }
  return value;
}
