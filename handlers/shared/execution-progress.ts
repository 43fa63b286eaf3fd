import type { HistoryEvent } from "@aws-sdk/client-sfn";
import type { JobKind, JobStatus } from "../contracts/job-status.js";
import { DEFAULT_MEMORY_MB, type InvocationRecord } from "./cost-model.js";

/**
 * The one derivation of job progress from a Step Functions execution history, shared by the API
 * (`GET /api/renders/{id}` folds all pages at once) and the TUI (its job view model folds each refresh
 * incrementally). Pure: `foldEvents(progress, events)` returns the next progress; events whose id is
 * not newer than `lastEventId` are ignored, so re-reads are harmless and folding in one go or page by
 * page gives the same result.
 *
 * Chunk state comes from the Map's iteration events (MapIterationStarted/Succeeded/Failed carry the
 * iteration index) and the task events inside each iteration, found by following `previousEventId`
 * back to the iteration (with the task's `ChunkIndex` parameter as a fallback): a TaskScheduled after
 * a TaskFailed in the same iteration is a retry, attempt n.
 */

export type ChunkStatus = "queued" | "running" | "retrying" | "done" | "failed";
export const CHUNK_STATUSES: readonly ChunkStatus[] = ["queued", "running", "retrying", "done", "failed"];

export interface ChunkRecord {
  readonly index: number;
  readonly status: ChunkStatus;
  /** 1 for the first try; n while retrying or after n tries; 0 before the first try. */
  readonly attempt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly error?: ErrorRecord;
}

export interface ErrorRecord {
  readonly eventId: number;
  /** Epoch ms of the event (0 when the event had no timestamp). */
  readonly timestamp: number;
  readonly state?: string;
  readonly chunk?: number;
  readonly name: string;
  readonly cause: string;
}

/** A top-level state (outside any Map iteration), as entered and left. */
export interface StepRecord {
  readonly name: string;
  readonly status: "running" | "succeeded" | "failed";
  readonly enteredAt: number;
  readonly exitedAt?: number;
}

/** One finished task invocation, for the cost model; `state` is the Task state that ran it. */
export interface TaskInvocation extends InvocationRecord {
  readonly state?: string;
}

interface OpenTask {
  functionName: string;
  scheduledAt: number;
  startedAt?: number;
  chunk?: number;
  state?: string;
}

/** Append-only indexes, shared by successive progress values (events are folded once, in id order). */
export interface ExecutionIndexes {
  /** event id -> Map iteration index, for events inside an iteration. */
  readonly chunkOfEvent: Map<number, number>;
  /** event id -> state name, for state-scoped events. */
  readonly stateOfEvent: Map<number, string>;
  /** scope ("c<chunk>", "s<state>", or "r<state>" for top-level retries) -> the open task. */
  readonly openTasks: Map<string, OpenTask>;
}

export interface ExecutionProgress {
  readonly kind: JobKind | "unknown";
  readonly jobId?: string;
  readonly status: JobStatus;
  readonly startedAt?: number;
  readonly stoppedAt?: number;
  readonly lastEventId: number;
  readonly eventCount: number;
  /** Render jobs: from the execution input and the Plan result. */
  readonly totalFrames?: number;
  readonly chunkSize?: number;
  readonly chunkCount?: number;
  readonly fps?: number;
  readonly width?: number;
  readonly height?: number;
  /** One record per chunk (queued ones included once the chunk count is known), by index. */
  readonly chunks: readonly ChunkRecord[];
  readonly counts: Readonly<Record<ChunkStatus, number>>;
  /** Frames of the chunks that are done. */
  readonly framesDone: number;
  readonly mapStartedAt?: number;
  readonly steps: readonly StepRecord[];
  readonly errors: readonly ErrorRecord[];
  /** Task invocations (attempts included) with their durations and memory, for the cost model. */
  readonly invocations: readonly TaskInvocation[];
  /** Billed state transitions: states entered (Map iterations' included) plus task retries. */
  readonly transitions: number;
  /** States entered (Map iterations' included), without retries. */
  readonly statesEntered: number;
  /** `OutputS3Uri` for renders (known from the input; final once SUCCEEDED). */
  readonly outputUri?: string;
  readonly outputBytes?: number;
  /** Media jobs: the video id and file name from the input. */
  readonly videoId?: string;
  readonly fileName?: string;
  readonly executionError?: { name: string; cause: string };
  readonly indexes: ExecutionIndexes;
}

export interface FoldOptions {
  /** Memory (MB) per function name, for GB-seconds; defaults to the module's defaults. */
  readonly memoryMb?: Readonly<Record<string, number>>;
}

/** What the fold learnt about one event: its place (state, chunk) and the error it carries. */
export interface FoldedEvent {
  readonly id: number;
  readonly type: string;
  /** Epoch ms (0 when the event had no timestamp). */
  readonly timestamp: number;
  readonly state?: string;
  readonly chunk?: number;
  readonly error?: ErrorRecord;
  /** The event's `*EventDetails` object (the SDK's, not copied). */
  readonly details?: Record<string, unknown>;
}

const zeroCounts = (): Record<ChunkStatus, number> => ({
  queued: 0,
  running: 0,
  retrying: 0,
  done: 0,
  failed: 0,
});

export function emptyExecutionProgress(): ExecutionProgress {
  return {
    kind: "unknown",
    status: "RUNNING",
    lastEventId: 0,
    eventCount: 0,
    chunks: [],
    counts: zeroCounts(),
    framesDone: 0,
    steps: [],
    errors: [],
    invocations: [],
    transitions: 0,
    statesEntered: 0,
    indexes: { chunkOfEvent: new Map(), stateOfEvent: new Map(), openTasks: new Map() },
  };
}

// ── Reading event details ───────────────────────────────────────────────────────────────────────

export function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
export const asNumber = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;
export const asString = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined;

/** The details object of an event, whichever `*EventDetails` field it is in. */
export function eventDetails(event: HistoryEvent): Record<string, unknown> | undefined {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith("EventDetails") && value !== undefined) return asRecord(value);
  }
  return undefined;
}

/** The last ARN segment of a task's FunctionName (`render`, `media`, ...). */
export function functionNameOf(parameters: unknown): string {
  const fn = asString(asRecord(parameters)?.FunctionName) ?? "unknown";
  return (
    fn
      .split(":")
      .filter((part) => part !== "" && part !== "$LATEST")
      .at(-1) ?? fn
  );
}

export function chunkFrames(index: number, totalFrames: number, chunkSize: number): number {
  return Math.max(0, Math.min(chunkSize, totalFrames - index * chunkSize));
}

export function countChunks(chunks: readonly ChunkRecord[]): Record<ChunkStatus, number> {
  const counts = zeroCounts();
  for (const chunk of chunks) counts[chunk.status] += 1;
  return counts;
}

/** The top-level state the execution is in or last entered (e.g. Plan, RenderChunks, Assemble). */
export function currentState(progress: ExecutionProgress): string | undefined {
  return progress.steps.at(-1)?.name;
}

const TERMINAL_TYPES: Record<string, JobStatus> = {
  ExecutionSucceeded: "SUCCEEDED",
  ExecutionFailed: "FAILED",
  ExecutionAborted: "ABORTED",
  ExecutionTimedOut: "TIMED_OUT",
};

/** Events that belong to the Map state itself, never to one of its iterations. */
const isMapStateEvent = (type: string): boolean => type.startsWith("MapState") || type.startsWith("MapRun");

// ── The fold ────────────────────────────────────────────────────────────────────────────────────

class Builder {
  chunks: ChunkRecord[];
  chunksChanged = false;
  steps: StepRecord[];
  errors: ErrorRecord[];
  invocations: TaskInvocation[];
  fields: Partial<Record<keyof ExecutionProgress, unknown>> = {};
  transitions: number;
  statesEntered: number;
  private readonly memory: Readonly<Record<string, number>>;

  constructor(
    readonly progress: ExecutionProgress,
    options: FoldOptions,
  ) {
    this.chunks = progress.chunks as ChunkRecord[];
    this.steps = [...progress.steps];
    this.errors = [...progress.errors];
    this.invocations = [...progress.invocations];
    this.transitions = progress.transitions;
    this.statesEntered = progress.statesEntered;
    this.memory = { ...DEFAULT_MEMORY_MB, ...options.memoryMb };
  }

  get<K extends keyof ExecutionProgress>(key: K): ExecutionProgress[K] {
    return (key in this.fields ? this.fields[key] : this.progress[key]) as ExecutionProgress[K];
  }

  set<K extends keyof ExecutionProgress>(key: K, value: ExecutionProgress[K]): void {
    this.fields[key] = value;
  }

  ensureChunks(count: number): void {
    if (count <= this.chunks.length) return;
    this.touchChunks();
    for (let i = this.chunks.length; i < count; i++)
      this.chunks.push({ index: i, status: "queued", attempt: 0 });
  }

  touchChunks(): void {
    if (!this.chunksChanged) {
      this.chunks = [...this.chunks];
      this.chunksChanged = true;
    }
  }

  updateChunk(index: number, patch: Partial<ChunkRecord>): void {
    this.ensureChunks(index + 1);
    this.touchChunks();
    const current = this.chunks[index] as ChunkRecord;
    this.chunks[index] = { ...current, ...patch };
  }

  memoryFor(functionName: string): number {
    return this.memory[functionName] ?? DEFAULT_MEMORY_MB.render;
  }
}

/**
 * Folds new events (oldest first) into `progress` and returns the next value (the same object when no
 * event is new). Any extra fields of `progress` (e.g. a view model built on top) are carried over.
 * `onEvent` sees each new event with the state, chunk and error the fold attributed to it.
 */
export function foldEvents<P extends ExecutionProgress>(
  progress: P,
  events: readonly HistoryEvent[],
  options: FoldOptions = {},
  onEvent?: (event: FoldedEvent) => void,
): P {
  const fresh = events.filter((event) => (event.id ?? 0) > progress.lastEventId);
  if (fresh.length === 0) return progress;
  const b = new Builder(progress, options);
  const { chunkOfEvent, stateOfEvent, openTasks } = progress.indexes;

  for (const event of fresh) {
    const id = event.id ?? 0;
    const type = event.type ?? "Unknown";
    const at = event.timestamp instanceof Date ? event.timestamp.getTime() : 0;
    const details = eventDetails(event);
    const previous = event.previousEventId ?? 0;
    const isExecutionEvent = type.startsWith("Execution");

    // Which iteration and which state this event belongs to (the execution's own events: neither).
    let chunk: number | undefined;
    if (type.startsWith("MapIteration")) chunk = asNumber(details?.index);
    else if (!isMapStateEvent(type) && !isExecutionEvent && chunkOfEvent.has(previous))
      chunk = chunkOfEvent.get(previous);
    let state =
      asString(details?.name) && type.endsWith("StateEntered")
        ? asString(details?.name)
        : stateOfEvent.get(previous);
    if (type.endsWith("StateExited")) state = asString(details?.name) ?? state;
    if (isExecutionEvent) state = undefined;
    const parameters = type === "TaskScheduled" ? parseJson(asString(details?.parameters)) : undefined;
    if (chunk === undefined && parameters !== undefined) {
      chunk = asNumber(asRecord(asRecord(parameters)?.Payload)?.ChunkIndex);
    }
    if (chunk !== undefined) chunkOfEvent.set(id, chunk);
    if (state !== undefined && !type.endsWith("StateExited")) stateOfEvent.set(id, state);
    // A top-level step is a state entered outside any iteration.
    const scope = chunk !== undefined ? `c${chunk}` : `s${state ?? ""}`;

    let error: ErrorRecord | undefined;
    const errorName = asString(details?.error);
    if (errorName !== undefined || type.endsWith("Failed") || type.endsWith("TimedOut")) {
      if (errorName !== undefined || details?.cause !== undefined) {
        error = {
          eventId: id,
          timestamp: at,
          ...(state !== undefined ? { state } : {}),
          ...(chunk !== undefined ? { chunk } : {}),
          name: errorName ?? type,
          cause: asString(details?.cause) ?? "",
        };
        b.errors.push(error);
      }
    }

    if (type.endsWith("StateEntered")) {
      b.transitions += 1;
      b.statesEntered += 1;
      if (chunk === undefined) openTasks.delete(`r${state}`);
    }

    switch (type) {
      case "ExecutionStarted": {
        b.set("startedAt", at);
        const input = asRecord(parseJson(asString(details?.input)));
        if (input?.ProjectS3Uri !== undefined || input?.JobId !== undefined) {
          b.set("kind", "render");
          const jobId = asString(input?.JobId);
          if (jobId) b.set("jobId", jobId);
          const output = asString(input?.OutputS3Uri);
          if (output) b.set("outputUri", output);
          const chunkSize = asNumber(asRecord(input?.Config)?.chunkSize);
          if (chunkSize) b.set("chunkSize", chunkSize);
        } else if (input?.videoId !== undefined) {
          b.set("kind", "media");
          const videoId = asString(input.videoId);
          if (videoId) b.set("videoId", videoId);
          const fileName = asString(input.fileName);
          if (fileName) b.set("fileName", fileName);
        }
        break;
      }
      case "MapStateStarted": {
        const length = asNumber(details?.length);
        if (length !== undefined) {
          b.set("chunkCount", length);
          b.ensureChunks(length);
        }
        b.set("mapStartedAt", at);
        break;
      }
      case "MapIterationStarted":
        if (chunk !== undefined) b.updateChunk(chunk, { status: "running", startedAt: at });
        break;
      case "MapIterationSucceeded":
        if (chunk !== undefined) b.updateChunk(chunk, { status: "done", finishedAt: at });
        break;
      case "MapIterationFailed":
        if (chunk !== undefined) b.updateChunk(chunk, { status: "failed", finishedAt: at });
        break;
      case "MapIterationAborted":
        if (chunk !== undefined && b.chunks[chunk]?.status !== "done") {
          b.updateChunk(chunk, { status: b.chunks[chunk]?.error ? "failed" : "queued", finishedAt: at });
        }
        break;
      case "TaskScheduled": {
        const record: OpenTask = {
          functionName: functionNameOf(parameters),
          scheduledAt: at,
          ...(chunk !== undefined ? { chunk } : {}),
          ...(state !== undefined ? { state } : {}),
        };
        openTasks.set(scope, record);
        if (chunk !== undefined) {
          const current = b.chunks[chunk];
          const attempt = (current?.attempt ?? 0) + 1;
          if (attempt > 1) b.transitions += 1; // a retry is a billed transition
          b.updateChunk(chunk, {
            status: attempt > 1 ? "retrying" : "running",
            attempt,
            ...(current?.startedAt === undefined ? { startedAt: at } : {}),
          });
        } else {
          // A second TaskScheduled in the same state entry is a retry: a billed transition.
          if (openTasks.has(`r${state}`)) b.transitions += 1;
          openTasks.set(`r${state}`, record);
        }
        break;
      }
      case "TaskStarted": {
        const record = openTasks.get(scope);
        if (record) record.startedAt = at;
        break;
      }
      case "TaskSucceeded":
      case "TaskFailed":
      case "TaskTimedOut": {
        const record = openTasks.get(scope);
        if (record) {
          openTasks.delete(scope);
          const durationMs = Math.max(0, at - (record.startedAt ?? record.scheduledAt));
          b.invocations.push({
            functionName: record.functionName,
            durationMs,
            memoryMb: b.memoryFor(record.functionName),
            ...(record.state !== undefined ? { state: record.state } : {}),
          });
        }
        if (chunk !== undefined && type !== "TaskSucceeded" && error) {
          const current = b.chunks[chunk];
          b.updateChunk(chunk, { status: "retrying", error, attempt: current?.attempt ?? 1 });
        }
        if (type === "TaskSucceeded") {
          const payload = asRecord(asRecord(parseJson(asString(details?.output)))?.Payload);
          applyResult(b, payload);
        }
        break;
      }
      default: {
        const terminal = TERMINAL_TYPES[type];
        if (terminal) {
          b.set("status", terminal);
          b.set("stoppedAt", at);
          if (error) b.set("executionError", { name: error.name, cause: error.cause });
        }
      }
    }

    if (chunk === undefined && state !== undefined) {
      if (type.endsWith("StateEntered")) b.steps.push({ name: state, status: "running", enteredAt: at });
      else if (type.endsWith("StateExited") || (type.endsWith("Failed") && !type.startsWith("Task"))) {
        const index = b.steps.findLastIndex((s) => s.name === state && s.status === "running");
        const step = b.steps[index];
        if (step)
          b.steps[index] = {
            ...step,
            status: type.endsWith("Exited") ? "succeeded" : "failed",
            exitedAt: at,
          };
      }
    }

    onEvent?.({
      id,
      type,
      timestamp: at,
      ...(state !== undefined ? { state } : {}),
      ...(chunk !== undefined ? { chunk } : {}),
      ...(error !== undefined ? { error } : {}),
      ...(details !== undefined ? { details } : {}),
    });
  }

  // When the job ended, chunks still marked running were stopped with it.
  const status = b.get("status");
  if (status !== "RUNNING" && status !== "SUCCEEDED") {
    b.chunks.forEach((chunkRecord, index) => {
      if (chunkRecord.status === "running" || chunkRecord.status === "retrying") {
        b.updateChunk(index, { status: chunkRecord.error ? "failed" : "queued" });
      }
    });
  }

  const counts = b.chunksChanged ? countChunks(b.chunks) : progress.counts;
  const totalFrames = b.get("totalFrames");
  const chunkSize = b.get("chunkSize");
  const framesDone =
    b.chunksChanged && totalFrames !== undefined && chunkSize !== undefined
      ? b.chunks.reduce(
          (sum, c) => sum + (c.status === "done" ? chunkFrames(c.index, totalFrames, chunkSize) : 0),
          0,
        )
      : progress.framesDone;
  const last = fresh.at(-1);
  return {
    ...progress,
    ...(b.fields as Partial<ExecutionProgress>),
    lastEventId: last?.id ?? progress.lastEventId,
    eventCount: progress.eventCount + fresh.length,
    chunks: b.chunks,
    counts,
    framesDone,
    steps: b.steps,
    errors: b.errors,
    invocations: b.invocations,
    transitions: b.transitions,
    statesEntered: b.statesEntered,
  };
}

/** Folds a whole history (e.g. every page read at once) from the empty progress. */
export function summarizeExecution(
  events: readonly HistoryEvent[],
  options: FoldOptions = {},
): ExecutionProgress {
  return foldEvents(emptyExecutionProgress(), events, options);
}

function applyResult(b: Builder, payload: Record<string, unknown> | undefined): void {
  if (!payload) return;
  if (payload.Action === "plan") {
    const total = asNumber(payload.TotalFrames);
    const count = asNumber(payload.ChunkCount);
    if (total !== undefined) b.set("totalFrames", total);
    if (count !== undefined) {
      b.set("chunkCount", count);
      b.ensureChunks(count);
      if (b.get("chunkSize") === undefined && total !== undefined && count > 0)
        b.set("chunkSize", Math.ceil(total / count));
    }
    for (const key of ["fps", "width", "height"] as const) {
      const value = asNumber(payload[key === "fps" ? "Fps" : key === "width" ? "Width" : "Height"]);
      if (value !== undefined) b.set(key, value);
    }
  } else if (payload.Action === "assemble") {
    const uri = asString(payload.OutputS3Uri);
    if (uri) b.set("outputUri", uri);
    const bytes = asNumber(payload.FileSize);
    if (bytes !== undefined) b.set("outputBytes", bytes);
  }
}
