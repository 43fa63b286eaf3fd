import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { InvocationError, type WorkerPool } from "../workers/worker-pool.js";
import type { ExecutionRecord, ExecutionStatus, ExecutionStore } from "./execution-store.js";
import {
  HistoryRecorder,
  type LibraryEvent,
  type StateFacts,
  type StoredHistoryEvent,
  type TaskResourceKind,
} from "./history.js";

/**
 * Step Functions on one machine: runs state machine definitions with aws-local-stepfunctions, resolves
 * every Task to a local worker invocation, keeps AWS-shaped executions and histories, and persists them.
 * The HTTP API (api-server.ts) is a thin layer over this class.
 */

export interface StateMachineRegistration {
  name: string;
  arn: string;
  definition: Record<string, unknown>;
  roleArn?: string;
}

/** An error the API returns as `{__type, message}` (the names are the Step Functions API's). */
export class SfnApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = code;
  }
}

interface TaskFacts {
  resource: string;
  timeoutSeconds: number | undefined;
}

interface Machine {
  registration: StateMachineRegistration;
  interpreter: StateMachine;
  states: Map<string, StateFacts>;
  tasks: Map<string, TaskFacts>;
  createdAt: Date;
}

interface Execution {
  machineName: string;
  record: ExecutionRecord;
  recorder: HistoryRecorder | undefined;
  abort: (() => void) | undefined;
  done: Promise<void>;
  flushTimer: NodeJS.Timeout | undefined;
  saving: Promise<void>;
}

// The interpreter's own Task timer (60 s default) would also count time spent waiting for a worker
// slot. Workers enforce each Task's TimeoutSeconds from the moment they start; the interpreter gets
// this instead (under setTimeout's 2^31 ms ceiling).
const INTERPRETER_TASK_TIMEOUT_SECONDS = 2_000_000;
const MAX_INPUT_BYTES = 256 * 1024;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
const FLUSH_INTERVAL_MS = 500;

type Json = Record<string, unknown>;

/** Walks a definition (Map ItemProcessor/Iterator, Parallel Branches) and records every state. */
function collectStates(
  definition: Json,
  states: Map<string, StateFacts>,
  tasks: Map<string, TaskFacts>,
): void {
  const all = (definition.States ?? {}) as Record<string, Json>;
  for (const [name, state] of Object.entries(all)) {
    const type = String(state.Type);
    if (!states.has(name)) {
      states.set(name, {
        type,
        ...(state.InputPath !== undefined ? { inputPath: state.InputPath as string | null } : {}),
        ...(typeof state.ItemsPath === "string" ? { itemsPath: state.ItemsPath } : {}),
      });
    }
    if (type === "Task" && !tasks.has(name)) {
      tasks.set(name, {
        resource: String(state.Resource),
        timeoutSeconds: typeof state.TimeoutSeconds === "number" ? state.TimeoutSeconds : undefined,
      });
    }
    const processor = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
    if (processor) collectStates(processor, states, tasks);
    for (const branch of (state.Branches ?? []) as Json[]) collectStates(branch, states, tasks);
  }
}

/** A copy of the definition with every Task's interpreter timeout lifted (the workers enforce it). */
function withWorkerTimeouts(definition: Json): Json {
  const copy = structuredClone(definition);
  const visit = (def: Json) => {
    for (const state of Object.values((def.States ?? {}) as Record<string, Json>)) {
      if (state.Type === "Task") {
        state.TimeoutSeconds = INTERPRETER_TASK_TIMEOUT_SECONDS;
        delete state.TimeoutSecondsPath;
        delete state.HeartbeatSeconds;
      }
      const processor = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
      if (processor) visit(processor);
      for (const branch of (state.Branches ?? []) as Json[]) visit(branch);
    }
  };
  visit(copy);
  return copy;
}

/** `arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]`, or a bare name, to the name. */
export function functionNameOf(value: unknown): string {
  const text = String(value ?? "");
  const parts = text.split(":");
  const at = parts.indexOf("function");
  return at >= 0 ? (parts[at + 1] ?? "") : (parts[0] ?? "");
}

const INVALID_NAME_CHARS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;
const hasControlCharacter = (text: string): boolean =>
  [...text].some((c) => {
    const code = c.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  });

function encodeToken(offset: number, reverse: boolean): string {
  return Buffer.from(JSON.stringify({ o: offset, r: reverse })).toString("base64url");
}

function decodeToken(token: string | undefined, reverse: boolean): number {
  if (token === undefined || token === "") return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      o?: unknown;
      r?: unknown;
    };
    if (typeof parsed.o === "number" && parsed.o >= 0 && parsed.r === reverse) return parsed.o;
  } catch {
    // fall through
  }
  throw new SfnApiError("InvalidToken", `Invalid Token: '${token}'`);
}

function pageSize(maxResults: number | undefined): number {
  if (maxResults === undefined || maxResults === 0) return DEFAULT_PAGE;
  if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > MAX_PAGE) {
    throw new SfnApiError(
      "ValidationException",
      `1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${MAX_PAGE}`,
    );
  }
  return maxResults;
}

const statusFromEvent: Partial<Record<string, ExecutionStatus>> = {
  ExecutionSucceeded: "SUCCEEDED",
  ExecutionFailed: "FAILED",
  ExecutionTimedOut: "TIMED_OUT",
  ExecutionAborted: "ABORTED",
};

export interface StepFunctionsEngineOptions {
  store: ExecutionStore;
  pool: WorkerPool;
  region: string;
  accountId: string;
  stateMachines: StateMachineRegistration[];
  log?: (line: string) => void;
}

export class StepFunctionsEngine {
  private readonly machines = new Map<string, Machine>();
  private readonly executions = new Map<string, Execution>();
  private closing = false;

  private constructor(private readonly options: StepFunctionsEngineOptions) {}

  /** Registers the state machines and loads stored executions (ones left RUNNING by a dead instance end ABORTED). */
  static async create(options: StepFunctionsEngineOptions): Promise<StepFunctionsEngine> {
    const engine = new StepFunctionsEngine(options);
    for (const registration of options.stateMachines) engine.register(registration);
    for (const { stateMachineName, record } of await options.store.loadAll()) {
      const execution: Execution = {
        machineName: stateMachineName,
        record,
        recorder: undefined,
        abort: undefined,
        done: Promise.resolve(),
        flushTimer: undefined,
        saving: Promise.resolve(),
      };
      if (record.status === "RUNNING") {
        const history = await options.store.loadHistory(stateMachineName, record.name);
        const last = history.at(-1);
        history.push({
          id: history.length + 1,
          previousEventId: last?.id ?? 0,
          timestamp: Date.now(),
          type: "ExecutionAborted",
          executionAbortedEventDetails: {
            error: "States.Runtime",
            cause: "The local cloud stopped while the execution was running",
          },
        });
        record.status = "ABORTED";
        record.stopDate = new Date().toISOString();
        record.error = "States.Runtime";
        record.cause = "The local cloud stopped while the execution was running";
        await options.store.saveHistory(stateMachineName, record.name, history);
        await options.store.save(stateMachineName, record);
      }
      engine.executions.set(record.executionArn, execution);
    }
    return engine;
  }

  register(registration: StateMachineRegistration): void {
    const states = new Map<string, StateFacts>();
    const tasks = new Map<string, TaskFacts>();
    collectStates(registration.definition, states, tasks);
    let interpreter: StateMachine;
    try {
      interpreter = new StateMachine(
        withWorkerTimeouts(registration.definition) as unknown as StateMachineDefinition,
        {
          validationOptions: { checkArn: true, checkPaths: true },
        },
      );
    } catch (err) {
      throw new SfnApiError("InvalidDefinition", `${registration.name}: ${(err as Error).message}`);
    }
    this.machines.set(registration.arn, { registration, interpreter, states, tasks, createdAt: new Date() });
  }

  get stateMachines(): StateMachineRegistration[] {
    return [...this.machines.values()].map((m) => m.registration);
  }

  private machine(arn: unknown): Machine {
    const machine = typeof arn === "string" ? this.machines.get(arn) : undefined;
    if (!machine)
      throw new SfnApiError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${String(arn)}'`);
    return machine;
  }

  private execution(arn: unknown): Execution {
    const execution = typeof arn === "string" ? this.executions.get(arn) : undefined;
    if (!execution)
      throw new SfnApiError("ExecutionDoesNotExist", `Execution Does Not Exist: '${String(arn)}'`);
    return execution;
  }

  executionArn(machineName: string, name: string): string {
    return `arn:aws:states:${this.options.region}:${this.options.accountId}:execution:${machineName}:${name}`;
  }

  async startExecution(request: {
    stateMachineArn?: unknown;
    name?: unknown;
    input?: unknown;
  }): Promise<{ executionArn: string; startDate: Date }> {
    if (this.closing) throw new SfnApiError("ServiceUnavailable", "The local cloud is stopping", 503);
    const machine = this.machine(request.stateMachineArn);
    const name = request.name === undefined ? crypto.randomUUID() : String(request.name);
    if (name.length < 1 || name.length > 80 || INVALID_NAME_CHARS.test(name) || hasControlCharacter(name)) {
      throw new SfnApiError("InvalidName", `Invalid Name: '${name}'`);
    }
    const inputText = request.input === undefined ? "{}" : String(request.input);
    if (Buffer.byteLength(inputText) > MAX_INPUT_BYTES) {
      throw new SfnApiError("InvalidExecutionInput", "The input exceeds the 262144 byte limit");
    }
    let input: unknown;
    try {
      input = JSON.parse(inputText);
    } catch (err) {
      throw new SfnApiError(
        "InvalidExecutionInput",
        `Invalid State Machine Execution Input: '${(err as Error).message}'`,
      );
    }
    const machineName = machine.registration.name;
    const executionArn = this.executionArn(machineName, name);
    const existing = this.executions.get(executionArn);
    if (existing) {
      // As in AWS (Standard workflows): the same name and input while RUNNING is idempotent.
      let sameInput = false;
      try {
        sameInput = JSON.stringify(JSON.parse(existing.record.input)) === JSON.stringify(input);
      } catch {
        sameInput = false;
      }
      if (existing.record.status === "RUNNING" && sameInput) {
        return { executionArn, startDate: new Date(existing.record.startDate) };
      }
      throw new SfnApiError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
    }
    const startDate = new Date();
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.registration.arn,
      name,
      status: "RUNNING",
      startDate: startDate.toISOString(),
      input: inputText,
    };
    const execution: Execution = {
      machineName,
      record,
      recorder: undefined,
      abort: undefined,
      done: Promise.resolve(),
      flushTimer: undefined,
      saving: Promise.resolve(),
    };
    this.executions.set(executionArn, execution);
    execution.done = this.run(machine, execution, input, startDate);
    await this.options.store.save(machineName, record);
    return { executionArn, startDate };
  }

  private run(machine: Machine, execution: Execution, input: unknown, startDate: Date): Promise<void> {
    const { record } = execution;
    const recorder = new HistoryRecorder({
      states: machine.states,
      region: this.options.region,
      roleArn:
        machine.registration.roleArn ?? `arn:aws:iam::${this.options.accountId}:role/hyperframes-local`,
      onEvent: () => this.scheduleFlush(execution),
    });
    execution.recorder = recorder;
    recorder.executionStarted(input, startDate.getTime());
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [stateName, facts] of machine.tasks) {
      handlers[stateName] = (taskInput) => this.runTask(execution, recorder, stateName, facts, taskInput);
    }
    const running = machine.interpreter.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          RoleArn: machine.registration.roleArn ?? "",
          StartTime: record.startDate,
        },
        StateMachine: { Id: machine.registration.arn, Name: machine.registration.name },
      },
    });
    execution.abort = running.abort;
    const consumed = (async () => {
      for await (const event of running.eventLogs) recorder.fromLibrary(event as unknown as LibraryEvent);
    })();
    return (async () => {
      try {
        await running.result;
      } catch {
        // the failure is in the event log (ExecutionFailed / ExecutionTimeout)
      }
      await consumed.catch(() => undefined);
      // Nothing an execution started may outlive it (a failed Map leaves sibling iterations running).
      await this.options.pool.killTag(record.executionArn);
      this.finish(execution);
      await this.flush(execution);
    })();
  }

  private finish(execution: Execution): void {
    const { record, recorder } = execution;
    if (!recorder || record.status !== "RUNNING") return;
    if (!recorder.isClosed)
      recorder.executionFailed("States.Runtime", "The execution ended without a result");
    const last = recorder.events.at(-1);
    record.status = statusFromEvent[last?.type ?? ""] ?? "FAILED";
    record.stopDate = new Date(last?.timestamp ?? Date.now()).toISOString();
    const details = (last?.[
      `${(last?.type ?? "").charAt(0).toLowerCase()}${(last?.type ?? "").slice(1)}EventDetails`
    ] ?? {}) as {
      output?: string;
      error?: string;
      cause?: string;
    };
    if (details.output !== undefined) record.output = details.output;
    if (details.error !== undefined) record.error = details.error;
    if (details.cause !== undefined) record.cause = details.cause;
  }

  private async runTask(
    execution: Execution,
    recorder: HistoryRecorder,
    stateName: string,
    facts: TaskFacts,
    taskInput: unknown,
  ): Promise<unknown> {
    // Let the interpreter's StateEntered/StateRetried reach the recorder first (it arrives through
    // async generators within the same macrotask).
    await new Promise((resolve) => setImmediate(resolve));
    const lambdaInvoke = facts.resource.startsWith("arn:aws:states:::lambda:invoke");
    const lambdaArn = /^arn:aws:lambda:[^:]*:[^:]*:function:/.test(facts.resource);
    const kind: TaskResourceKind = lambdaInvoke ? "lambda:invoke" : "lambda-arn";
    const events = recorder.taskScheduled(stateName, kind, facts.resource, taskInput, facts.timeoutSeconds);
    const fail = (error: string, cause: string): Error => {
      const err = new Error(cause);
      err.name = error;
      return err;
    };
    if (!lambdaInvoke && !lambdaArn) {
      events.failed("States.Runtime", `The local cloud cannot run Task resource ${facts.resource}`);
      throw fail("States.Runtime", `The local cloud cannot run Task resource ${facts.resource}`);
    }
    const params = (taskInput ?? {}) as Json;
    const functionName = lambdaInvoke ? functionNameOf(params.FunctionName) : functionNameOf(facts.resource);
    const payload = lambdaInvoke ? (params.Payload ?? {}) : taskInput;
    try {
      const result = await this.options.pool.invoke(functionName, payload, {
        tag: execution.record.executionArn,
        ...(facts.timeoutSeconds !== undefined
          ? { timeoutSeconds: facts.timeoutSeconds, timeoutErrorType: "States.Timeout" }
          : {}),
        onStart: () => events.started(),
      });
      const output = lambdaInvoke ? { ExecutedVersion: "$LATEST", Payload: result, StatusCode: 200 } : result;
      events.succeeded(output);
      return output;
    } catch (err) {
      const invocation =
        err instanceof InvocationError
          ? err
          : new InvocationError("Lambda.Unknown", String((err as Error)?.message ?? err));
      if (invocation.errorType === "States.Timeout")
        events.timedOut(invocation.errorType, invocation.message);
      else events.failed(invocation.errorType, invocation.message);
      throw fail(invocation.errorType, invocation.message);
    }
  }

  private scheduleFlush(execution: Execution): void {
    if (execution.flushTimer) return;
    execution.flushTimer = setTimeout(() => {
      execution.flushTimer = undefined;
      void this.flush(execution).catch((err: Error) =>
        this.options.log?.(`could not save ${execution.record.name}: ${err.message}`),
      );
    }, FLUSH_INTERVAL_MS);
  }

  /** Saves the record and history; saves of one execution run one after another. */
  private flush(execution: Execution): Promise<void> {
    if (execution.flushTimer) {
      clearTimeout(execution.flushTimer);
      execution.flushTimer = undefined;
    }
    const write = async () => {
      if (execution.recorder)
        await this.options.store.saveHistory(
          execution.machineName,
          execution.record.name,
          execution.recorder.events,
        );
      await this.options.store.save(execution.machineName, execution.record);
    };
    const next = execution.saving.then(write, write);
    execution.saving = next.catch((err: Error) =>
      this.options.log?.(`could not save ${execution.record.name}: ${err.message}`),
    );
    return next;
  }

  describeExecution(request: { executionArn?: unknown }): ExecutionRecord {
    return this.execution(request.executionArn).record;
  }

  /** Resolves when the execution has ended and been saved (tests, in-process callers). */
  async waitForExecution(executionArn: string): Promise<ExecutionRecord> {
    const execution = this.execution(executionArn);
    await execution.done;
    return execution.record;
  }

  listExecutions(request: {
    stateMachineArn?: unknown;
    statusFilter?: unknown;
    maxResults?: number;
    nextToken?: string;
  }): {
    executions: ExecutionRecord[];
    nextToken?: string;
  } {
    const machine = this.machine(request.stateMachineArn);
    const size = pageSize(request.maxResults);
    const offset = decodeToken(request.nextToken, false);
    const all = [...this.executions.values()]
      .map((e) => e.record)
      .filter(
        (r) =>
          r.stateMachineArn === machine.registration.arn &&
          (request.statusFilter === undefined || r.status === request.statusFilter),
      )
      .sort((a, b) =>
        a.startDate < b.startDate ? 1 : a.startDate > b.startDate ? -1 : a.name < b.name ? 1 : -1,
      );
    const page = all.slice(offset, offset + size);
    return {
      executions: page,
      ...(offset + size < all.length ? { nextToken: encodeToken(offset + size, false) } : {}),
    };
  }

  async stopExecution(request: {
    executionArn?: unknown;
    error?: unknown;
    cause?: unknown;
  }): Promise<{ stopDate: Date }> {
    const execution = this.execution(request.executionArn);
    const { record } = execution;
    if (record.status === "RUNNING") {
      const error = request.error === undefined ? undefined : String(request.error);
      const cause = request.cause === undefined ? undefined : String(request.cause);
      execution.recorder?.executionAborted(error, cause);
      record.status = "ABORTED";
      record.stopDate = new Date().toISOString();
      if (error !== undefined) record.error = error;
      if (cause !== undefined) record.cause = cause;
      execution.abort?.();
      await this.options.pool.killTag(record.executionArn);
      await this.flush(execution);
    }
    return { stopDate: new Date(record.stopDate ?? Date.now()) };
  }

  async getExecutionHistory(request: {
    executionArn?: unknown;
    maxResults?: number;
    nextToken?: string;
    reverseOrder?: boolean;
    includeExecutionData?: boolean;
  }): Promise<{ events: StoredHistoryEvent[]; nextToken?: string }> {
    const execution = this.execution(request.executionArn);
    const reverse = request.reverseOrder === true;
    const size = pageSize(request.maxResults);
    const offset = decodeToken(request.nextToken, reverse);
    const events =
      execution.recorder?.events ??
      (await this.options.store.loadHistory(execution.machineName, execution.record.name));
    const ordered = reverse ? [...events].reverse() : events;
    let page = ordered.slice(offset, offset + size);
    if (request.includeExecutionData === false) page = page.map(withoutExecutionData);
    return {
      events: page,
      ...(offset + size < ordered.length ? { nextToken: encodeToken(offset + size, reverse) } : {}),
    };
  }

  /** Stops every running execution (ABORTED), kills workers and saves everything. */
  async close(): Promise<void> {
    this.closing = true;
    const running = [...this.executions.values()].filter((e) => e.record.status === "RUNNING");
    await Promise.all(
      running.map((e) =>
        this.stopExecution({
          executionArn: e.record.executionArn,
          error: "States.Runtime",
          cause: "The local cloud stopped",
        }),
      ),
    );
    await Promise.all(running.map((e) => e.done.catch(() => undefined)));
  }
}

/** Drops input/output payloads from event details (includeExecutionData: false). */
function withoutExecutionData(event: StoredHistoryEvent): StoredHistoryEvent {
  const copy: StoredHistoryEvent = { ...event };
  for (const [key, value] of Object.entries(copy)) {
    if (key.endsWith("EventDetails") && value && typeof value === "object") {
      const {
        input: _input,
        output: _output,
        inputDetails: _inputDetails,
        outputDetails: _outputDetails,
        ...rest
      } = value as Json;
      copy[key] = rest;
    }
  }
  return copy;
}
