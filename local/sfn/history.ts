import type { HistoryEventType } from "@aws-sdk/client-sfn";

/**
 * Builds an execution history shaped like AWS Step Functions' own (event types, `<type>EventDetails`
 * fields, ids from 1 and `previousEventId`), from aws-local-stepfunctions' event log plus the task
 * events the local cloud records around each worker invocation.
 *
 * `previousEventId` follows one "lane" per Map iteration (the root lane otherwise), so a chunk's
 * TaskScheduled points at its TaskStateEntered and its MapIterationStarted at the MapStateStarted.
 */

/** One stored event: the API's HistoryEvent with the timestamp in epoch milliseconds. */
export interface StoredHistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: HistoryEventType;
  [details: string]: unknown;
}

/** The subset of aws-local-stepfunctions' EventLog the recorder reads. */
export interface LibraryEvent {
  type: string;
  timestamp: number;
  index?: number;
  input?: unknown;
  output?: unknown;
  Error?: string;
  Cause?: unknown;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  parentState?: { name: string; type: string; input?: unknown };
}

/** What the recorder knows about a state from the definition. */
export interface StateFacts {
  type: string;
  inputPath?: string | null;
  itemsPath?: string;
}

/** How a Task reaches its function: the `lambda:invoke` integration or a bare function ARN. */
export type TaskResourceKind = "lambda:invoke" | "lambda-arn";

export interface TaskEvents {
  started(): void;
  succeeded(output: unknown): void;
  failed(error: string, cause: string): void;
  timedOut(error: string, cause: string): void;
}

const json = (value: unknown): string => JSON.stringify(value ?? null);
const causeText = (cause: unknown): string => (typeof cause === "string" ? cause : json(cause));

/** Follows a JSONPath made of `$`, `.name` and `[n]` steps; undefined for anything richer. */
export function simplePath(value: unknown, path: string | null | undefined): unknown {
  if (path === undefined) return value;
  if (path === null) return {};
  if (!path.startsWith("$")) return undefined;
  const steps = path.slice(1).match(/\.[A-Za-z0-9_-]+|\[\d+\]/g) ?? [];
  if (steps.join("") !== path.slice(1)) return undefined;
  let current: unknown = value;
  for (const step of steps) {
    if (current === null || typeof current !== "object") return undefined;
    const key = step.startsWith("[") ? Number(step.slice(1, -1)) : step.slice(1);
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

const STATE_TYPES_WITH_EXIT = new Set(["Task", "Map", "Parallel", "Pass", "Wait", "Choice", "Succeed"]);

export class HistoryRecorder {
  readonly events: StoredHistoryEvent[] = [];
  private readonly lanes = new Map<string, number>();
  private readonly pendingTasks = new Map<string, Array<{ lane: string; enteredId: number }>>();
  private closed = false;

  constructor(
    private readonly options: {
      states: ReadonlyMap<string, StateFacts>;
      region: string;
      roleArn: string;
      now?: () => number;
      onEvent?: (event: StoredHistoryEvent) => void;
    },
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  private add(
    type: HistoryEventType,
    lane: string,
    details: Record<string, unknown> = {},
    timestamp?: number,
  ): number {
    const id = this.events.length + 1;
    const event: StoredHistoryEvent = {
      id,
      previousEventId: this.lanes.get(lane) ?? this.lanes.get("root") ?? 0,
      timestamp: timestamp ?? (this.options.now ?? Date.now)(),
      type,
      ...details,
    };
    this.events.push(event);
    this.lanes.set(lane, id);
    this.options.onEvent?.(event);
    return id;
  }

  private laneOf(event: LibraryEvent): string {
    return event.index === undefined ? "root" : `i${event.index}`;
  }

  executionStarted(input: unknown, timestamp?: number): void {
    this.add(
      "ExecutionStarted",
      "root",
      {
        executionStartedEventDetails: {
          input: json(input),
          inputDetails: { truncated: false },
          roleArn: this.options.roleArn,
        },
      },
      timestamp,
    );
  }

  /** Records one event of aws-local-stepfunctions' log (ExecutionStarted is recorded at start instead). */
  fromLibrary(event: LibraryEvent): void {
    if (this.closed) return;
    const lane = this.laneOf(event);
    const at = event.timestamp;
    switch (event.type) {
      case "StateEntered": {
        const state = event.state;
        if (!state) return;
        const id = this.add(
          `${state.type}StateEntered` as HistoryEventType,
          lane,
          {
            stateEnteredEventDetails: {
              name: state.name,
              input: json(state.input),
              inputDetails: { truncated: false },
            },
          },
          at,
        );
        if (state.type === "Task") this.queueTask(state.name, lane, id);
        if (state.type === "Map") {
          const facts = this.options.states.get(state.name);
          const items = simplePath(simplePath(state.input, facts?.inputPath), facts?.itemsPath ?? "$");
          this.add(
            "MapStateStarted",
            lane,
            { mapStateStartedEventDetails: Array.isArray(items) ? { length: items.length } : {} },
            at,
          );
        }
        if (state.type === "Parallel") this.add("ParallelStateStarted", lane, {}, at);
        return;
      }
      case "StateRetried": {
        if (event.state?.type === "Task") this.queueTask(event.state.name, lane, this.lanes.get(lane) ?? 0);
        return;
      }
      case "StateExited": {
        const state = event.state;
        if (!state || !STATE_TYPES_WITH_EXIT.has(state.type)) return;
        if (state.type === "Map") this.add("MapStateSucceeded", lane, {}, at);
        if (state.type === "Parallel") this.add("ParallelStateSucceeded", lane, {}, at);
        this.add(
          `${state.type}StateExited` as HistoryEventType,
          lane,
          {
            stateExitedEventDetails: {
              name: state.name,
              output: json(state.output),
              outputDetails: { truncated: false },
            },
          },
          at,
        );
        return;
      }
      case "StateFailed": {
        if (event.state?.type === "Map") this.add("MapStateFailed", lane, {}, at);
        if (event.state?.type === "Parallel") this.add("ParallelStateFailed", lane, {}, at);
        return;
      }
      case "MapIterationStarted":
      case "MapIterationSucceeded":
      case "MapIterationFailed": {
        const name = event.parentState?.name ?? "";
        const index = event.index ?? 0;
        const detailsKey = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`;
        if (event.type === "MapIterationStarted") this.lanes.set(`i${index}`, this.lanes.get("root") ?? 0);
        const id = this.add(event.type, `i${index}`, { [detailsKey]: { name, index } }, at);
        // The Map's own closing events follow the last iteration to end.
        if (event.type !== "MapIterationStarted") this.lanes.set("root", id);
        return;
      }
      case "ExecutionSucceeded":
        this.add(
          "ExecutionSucceeded",
          "root",
          {
            executionSucceededEventDetails: {
              output: json(event.output),
              outputDetails: { truncated: false },
            },
          },
          at,
        );
        this.closed = true;
        return;
      case "ExecutionFailed":
        this.add(
          "ExecutionFailed",
          "root",
          {
            executionFailedEventDetails: {
              error: event.Error ?? "States.Runtime",
              cause: causeText(event.Cause),
            },
          },
          at,
        );
        this.closed = true;
        return;
      case "ExecutionTimeout":
        this.executionTimedOut();
        return;
      default:
        return;
    }
  }

  executionAborted(error?: string, cause?: string): void {
    if (this.closed) return;
    this.add("ExecutionAborted", "root", {
      executionAbortedEventDetails: {
        ...(error !== undefined ? { error } : {}),
        ...(cause !== undefined ? { cause } : {}),
      },
    });
    this.closed = true;
  }

  executionTimedOut(): void {
    if (this.closed) return;
    this.add("ExecutionTimedOut", "root", {
      executionTimedOutEventDetails: { error: "States.Timeout", cause: "The execution timed out" },
    });
    this.closed = true;
  }

  /** Fails an execution the interpreter could not finish (e.g. the local cloud stopped under it). */
  executionFailed(error: string, cause: string): void {
    if (this.closed) return;
    this.add("ExecutionFailed", "root", { executionFailedEventDetails: { error, cause } });
    this.closed = true;
  }

  private queueTask(stateName: string, lane: string, enteredId: number): void {
    const queue = this.pendingTasks.get(stateName) ?? [];
    queue.push({ lane, enteredId });
    this.pendingTasks.set(stateName, queue);
  }

  /**
   * Records TaskScheduled for the oldest pending run of `stateName` and returns the recorder of its
   * later events. Call it after the interpreter's StateEntered/StateRetried has been recorded.
   */
  taskScheduled(
    stateName: string,
    kind: TaskResourceKind,
    resource: string,
    parameters: unknown,
    timeoutSeconds: number | undefined,
  ): TaskEvents {
    const slot = this.pendingTasks.get(stateName)?.shift();
    const lane = `task:${this.events.length + 1}`;
    this.lanes.set(lane, slot?.enteredId ?? this.lanes.get("root") ?? 0);
    const slotLane = slot?.lane ?? "root";
    const lambdaInvoke = kind === "lambda:invoke";
    const base = lambdaInvoke ? { resourceType: "lambda", resource: "invoke" } : {};
    const timeout = timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {};
    const record = (type: HistoryEventType, details: Record<string, unknown>) => {
      if (this.closed) return;
      this.add(type, lane, details);
      this.lanes.set(slotLane, this.lanes.get(lane) ?? 0);
    };
    if (lambdaInvoke) {
      record("TaskScheduled", {
        taskScheduledEventDetails: {
          ...base,
          region: this.options.region,
          parameters: json(parameters),
          ...timeout,
        },
      });
    } else {
      record("LambdaFunctionScheduled", {
        lambdaFunctionScheduledEventDetails: {
          resource,
          input: json(parameters),
          inputDetails: { truncated: false },
          ...timeout,
        },
      });
    }
    return {
      started: () =>
        lambdaInvoke
          ? record("TaskStarted", { taskStartedEventDetails: base })
          : record("LambdaFunctionStarted", {}),
      succeeded: (output) =>
        lambdaInvoke
          ? record("TaskSucceeded", {
              taskSucceededEventDetails: {
                ...base,
                output: json(output),
                outputDetails: { truncated: false },
              },
            })
          : record("LambdaFunctionSucceeded", {
              lambdaFunctionSucceededEventDetails: {
                output: json(output),
                outputDetails: { truncated: false },
              },
            }),
      failed: (error, cause) =>
        lambdaInvoke
          ? record("TaskFailed", { taskFailedEventDetails: { ...base, error, cause } })
          : record("LambdaFunctionFailed", { lambdaFunctionFailedEventDetails: { error, cause } }),
      timedOut: (error, cause) =>
        lambdaInvoke
          ? record("TaskTimedOut", { taskTimedOutEventDetails: { ...base, error, cause } })
          : record("LambdaFunctionTimedOut", { lambdaFunctionTimedOutEventDetails: { error, cause } }),
    };
  }
}
