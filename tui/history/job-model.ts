import type { HistoryEvent } from "@aws-sdk/client-sfn";
import type { JobKind, JobStatus } from "../../handlers/contracts/job-status.js";
import {
  accruedCost,
  type CostBreakdown,
  DEFAULT_MEMORY_MB,
  type InvocationRecord,
} from "../../handlers/shared/cost-model.js";

/**
 * The job view model: everything the job view, `watch`, `jobs` and `cost` show, folded from Step
 * Functions history events. Pure: `applyEvents(model, events)` returns the next model; applying an
 * event whose id is not newer than `lastEventId` does nothing, so re-reads are harmless.
 *
 * Chunk state comes from the Map's iteration events (MapIterationStarted/Succeeded/Failed carry the
 * iteration index) and the task events inside each iteration, found by following `previousEventId`
 * back to the iteration (with the task's `ChunkIndex` parameter as a fallback): a TaskScheduled after
 * a TaskFailed in the same iteration is a retry, attempt n.
 */

export type ChunkStatus = "queued" | "running" | "retrying" | "done" | "failed";
export const CHUNK_STATUSES: readonly ChunkStatus[] = ["queued", "running", "retrying", "done", "failed"];

export interface ChunkView {
  readonly index: number;
  readonly status: ChunkStatus;
  /** 1 for the first try; n while retrying or after n tries. */
  readonly attempt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly error?: ErrorView;
}

export interface ErrorView {
  readonly eventId: number;
  readonly timestamp: number;
  readonly state?: string;
  readonly chunk?: number;
  readonly name: string;
  readonly cause: string;
}

export interface StepView {
  readonly name: string;
  readonly status: "running" | "succeeded" | "failed";
  readonly enteredAt: number;
  readonly exitedAt?: number;
}

/** One history event, flattened for the history screen and its filters. */
export interface HistoryEntry {
  readonly id: number;
  readonly type: string;
  readonly timestamp: number;
  readonly state?: string;
  readonly chunk?: number;
  readonly isError: boolean;
  /** One line: what happened. */
  readonly summary: string;
  /** The event's details object (shared with the SDK's event, not copied); see `entryDetails`. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** An entry's details as pretty JSON, made when shown (keeping strings for 10,000 events costs MBs). */
export const entryDetails = (entry: HistoryEntry): string => JSON.stringify(entry.details, null, 2);

interface TaskRecord {
  functionName: string;
  scheduledAt: number;
  startedAt?: number;
  chunk?: number;
}

/** Append-only indexes, shared by successive models (events are applied once, in id order). */
interface Indexes {
  /** event id -> Map iteration index, for events inside an iteration. */
  readonly chunkOfEvent: Map<number, number>;
  /** event id -> state name, for state-scoped events. */
  readonly stateOfEvent: Map<number, string>;
  /** scope ("c<chunk>" or "s<state>") -> the open task. */
  readonly openTasks: Map<string, TaskRecord>;
}

export interface JobModel {
  readonly executionArn: string;
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
  readonly chunks: readonly ChunkView[];
  readonly counts: Readonly<Record<ChunkStatus, number>>;
  readonly framesDone: number;
  readonly mapStartedAt?: number;
  readonly steps: readonly StepView[];
  readonly errors: readonly ErrorView[];
  readonly invocations: readonly InvocationRecord[];
  readonly transitions: number;
  /** `OutputS3Uri` for renders (known from the input; final once SUCCEEDED). */
  readonly outputUri?: string;
  readonly outputBytes?: number;
  /** Media jobs: the video id and file name from the input. */
  readonly videoId?: string;
  readonly fileName?: string;
  readonly executionError?: { name: string; cause: string };
  readonly entries: readonly HistoryEntry[];
  readonly indexes: Indexes;
}

export interface ModelOptions {
  /** Memory (MB) per function name, for GB-seconds; defaults to the module's defaults. */
  readonly memoryMb?: Readonly<Record<string, number>>;
}

const zeroCounts = (): Record<ChunkStatus, number> => ({
  queued: 0,
  running: 0,
  retrying: 0,
  done: 0,
  failed: 0,
});

export function emptyJobModel(executionArn: string): JobModel {
  return {
    executionArn,
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
    entries: [],
    indexes: { chunkOfEvent: new Map(), stateOfEvent: new Map(), openTasks: new Map() },
  };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
const num = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** The details object of an event, whichever `*EventDetails` field it is in. */
export function eventDetails(event: HistoryEvent): Record<string, unknown> | undefined {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith("EventDetails") && value !== undefined) return asRecord(value);
  }
  return undefined;
}

/** The last ARN segment of a task's FunctionName (`render`, `media`, ...). */
export function functionNameOf(parameters: unknown): string {
  const fn = str(asRecord(parameters)?.FunctionName) ?? "unknown";
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

const TERMINAL_TYPES: Record<string, JobStatus> = {
  ExecutionSucceeded: "SUCCEEDED",
  ExecutionFailed: "FAILED",
  ExecutionAborted: "ABORTED",
  ExecutionTimedOut: "TIMED_OUT",
};

/** Events that belong to the Map state itself, never to one of its iterations. */
const isMapStateEvent = (type: string): boolean => type.startsWith("MapState") || type.startsWith("MapRun");

class Builder {
  chunks: ChunkView[];
  chunksChanged = false;
  steps: StepView[];
  errors: ErrorView[];
  invocations: InvocationRecord[];
  entries: HistoryEntry[];
  fields: Partial<Record<keyof JobModel, unknown>> = {};
  transitions: number;
  private readonly memory: Readonly<Record<string, number>>;

  constructor(
    readonly model: JobModel,
    options: ModelOptions,
  ) {
    this.chunks = model.chunks as ChunkView[];
    this.steps = [...model.steps];
    this.errors = model.errors as ErrorView[];
    this.invocations = model.invocations as InvocationRecord[];
    this.entries = model.entries as HistoryEntry[];
    this.transitions = model.transitions;
    this.memory = { ...DEFAULT_MEMORY_MB, ...options.memoryMb };
  }

  get<K extends keyof JobModel>(key: K): JobModel[K] {
    return (key in this.fields ? this.fields[key] : this.model[key]) as JobModel[K];
  }

  set<K extends keyof JobModel>(key: K, value: JobModel[K]): void {
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

  updateChunk(index: number, patch: Partial<ChunkView>): void {
    this.ensureChunks(index + 1);
    this.touchChunks();
    const current = this.chunks[index] as ChunkView;
    this.chunks[index] = { ...current, ...patch };
  }

  memoryFor(functionName: string): number {
    return this.memory[functionName] ?? DEFAULT_MEMORY_MB.render;
  }
}

/** Folds new events (oldest first) into the model. */
export function applyEvents(
  model: JobModel,
  events: readonly HistoryEvent[],
  options: ModelOptions = {},
): JobModel {
  const fresh = events.filter((event) => (event.id ?? 0) > model.lastEventId);
  if (fresh.length === 0) return model;
  const b = new Builder(model, options);
  b.errors = [...b.errors];
  b.invocations = [...b.invocations];
  b.entries = [...b.entries];
  const { chunkOfEvent, stateOfEvent, openTasks } = model.indexes;

  for (const event of fresh) {
    const id = event.id ?? 0;
    const type = event.type ?? "Unknown";
    const at = event.timestamp instanceof Date ? event.timestamp.getTime() : 0;
    const details = eventDetails(event);
    const previous = event.previousEventId ?? 0;

    // Which iteration and which state this event belongs to.
    let chunk: number | undefined;
    if (type.startsWith("MapIteration")) chunk = num(details?.index);
    else if (!isMapStateEvent(type) && chunkOfEvent.has(previous)) chunk = chunkOfEvent.get(previous);
    let state =
      str(details?.name) && type.endsWith("StateEntered") ? str(details?.name) : stateOfEvent.get(previous);
    if (type.endsWith("StateExited")) state = str(details?.name) ?? state;
    if (type.startsWith("Execution")) state = undefined;
    const parameters = type === "TaskScheduled" ? parseJson(str(details?.parameters)) : undefined;
    if (chunk === undefined && parameters !== undefined) {
      chunk = num(asRecord(asRecord(parameters)?.Payload)?.ChunkIndex);
    }
    if (chunk !== undefined && !type.startsWith("MapIteration")) chunkOfEvent.set(id, chunk);
    if (type.startsWith("MapIteration") && chunk !== undefined) chunkOfEvent.set(id, chunk);
    if (state !== undefined && !type.endsWith("StateExited")) stateOfEvent.set(id, state);
    // A top-level step is a state entered outside any iteration.
    const scope = chunk !== undefined ? `c${chunk}` : `s${state ?? ""}`;

    let error: ErrorView | undefined;
    const errorName = str(details?.error);
    if (errorName !== undefined || type.endsWith("Failed") || type.endsWith("TimedOut")) {
      if (errorName !== undefined || details?.cause !== undefined) {
        error = {
          eventId: id,
          timestamp: at,
          ...(state !== undefined ? { state } : {}),
          ...(chunk !== undefined ? { chunk } : {}),
          name: errorName ?? type,
          cause: str(details?.cause) ?? "",
        };
        b.errors.push(error);
      }
    }

    if (type.endsWith("StateEntered")) {
      b.transitions += 1;
      if (chunk === undefined) openTasks.delete(`r${state}`);
    }

    switch (type) {
      case "ExecutionStarted": {
        b.set("startedAt", at);
        const input = asRecord(parseJson(str(details?.input)));
        if (input?.ProjectS3Uri !== undefined || input?.JobId !== undefined) {
          b.set("kind", "render");
          const jobId = str(input?.JobId);
          if (jobId) b.set("jobId", jobId);
          const output = str(input?.OutputS3Uri);
          if (output) b.set("outputUri", output);
          const chunkSize = num(asRecord(input?.Config)?.chunkSize);
          if (chunkSize) b.set("chunkSize", chunkSize);
        } else if (input?.videoId !== undefined) {
          b.set("kind", "media");
          const videoId = str(input.videoId);
          if (videoId) b.set("videoId", videoId);
          const fileName = str(input.fileName);
          if (fileName) b.set("fileName", fileName);
        }
        break;
      }
      case "MapStateStarted": {
        const length = num(details?.length);
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
        const record: TaskRecord = {
          functionName: functionNameOf(parameters),
          scheduledAt: at,
          ...(chunk !== undefined ? { chunk } : {}),
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
          });
        }
        if (chunk !== undefined && type !== "TaskSucceeded" && error) {
          const current = b.chunks[chunk];
          b.updateChunk(chunk, { status: "retrying", error, attempt: current?.attempt ?? 1 });
        }
        if (type === "TaskSucceeded") {
          const payload = asRecord(asRecord(parseJson(str(details?.output)))?.Payload);
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

    b.entries.push({
      id,
      type,
      timestamp: at,
      ...(state !== undefined ? { state } : {}),
      ...(chunk !== undefined ? { chunk } : {}),
      isError: error !== undefined,
      summary: summarize(type, details, error),
      details: details ?? {},
    });
  }

  // When the job ended, chunks still marked running were stopped with it.
  const status = b.get("status");
  if (status !== "RUNNING" && status !== "SUCCEEDED") {
    b.chunks.forEach((chunkView, index) => {
      if (chunkView.status === "running" || chunkView.status === "retrying") {
        b.updateChunk(index, { status: chunkView.error ? "failed" : "queued" });
      }
    });
  }

  const counts = b.chunksChanged ? countChunks(b.chunks) : model.counts;
  const totalFrames = b.get("totalFrames");
  const chunkSize = b.get("chunkSize");
  const framesDone =
    b.chunksChanged && totalFrames !== undefined && chunkSize !== undefined
      ? b.chunks.reduce(
          (sum, c) => sum + (c.status === "done" ? chunkFrames(c.index, totalFrames, chunkSize) : 0),
          0,
        )
      : model.framesDone;
  const last = fresh.at(-1);
  return {
    ...model,
    ...(b.fields as Partial<JobModel>),
    lastEventId: last?.id ?? model.lastEventId,
    eventCount: model.eventCount + fresh.length,
    chunks: b.chunks,
    counts,
    framesDone,
    steps: b.steps,
    errors: b.errors,
    invocations: b.invocations,
    transitions: b.transitions,
    entries: b.entries,
  };
}

function applyResult(b: Builder, payload: Record<string, unknown> | undefined): void {
  if (!payload) return;
  if (payload.Action === "plan") {
    const total = num(payload.TotalFrames);
    const count = num(payload.ChunkCount);
    if (total !== undefined) b.set("totalFrames", total);
    if (count !== undefined) {
      b.set("chunkCount", count);
      b.ensureChunks(count);
      if (b.get("chunkSize") === undefined && total !== undefined && count > 0)
        b.set("chunkSize", Math.ceil(total / count));
    }
    for (const key of ["fps", "width", "height"] as const) {
      const value = num(payload[key === "fps" ? "Fps" : key === "width" ? "Width" : "Height"]);
      if (value !== undefined) b.set(key, value);
    }
  } else if (payload.Action === "assemble") {
    const uri = str(payload.OutputS3Uri);
    if (uri) b.set("outputUri", uri);
    const bytes = num(payload.FileSize);
    if (bytes !== undefined) b.set("outputBytes", bytes);
  }
}

export function countChunks(chunks: readonly ChunkView[]): Record<ChunkStatus, number> {
  const counts = zeroCounts();
  for (const chunk of chunks) counts[chunk.status] += 1;
  return counts;
}

function summarize(
  type: string,
  details: Record<string, unknown> | undefined,
  error: ErrorView | undefined,
): string {
  if (error) return `${error.name}${error.cause ? `: ${firstLine(error.cause)}` : ""}`;
  const name = str(details?.name);
  const index = num(details?.index);
  if (type.startsWith("MapIteration") && index !== undefined) return `iteration ${index}`;
  if (type === "MapStateStarted") return `${num(details?.length) ?? "?"} iterations`;
  if (type === "TaskScheduled") {
    const params = asRecord(parseJson(str(details?.parameters)));
    const action = str(asRecord(params?.Payload)?.Action);
    return `${functionNameOf(params)}${action ? ` ${action}` : ""}`;
  }
  // State entered/exited events already show the state's name in their own column.
  return type.endsWith("StateEntered") || type.endsWith("StateExited") ? "" : (name ?? "");
}

const firstLine = (text: string): string => {
  const parsed = asRecord(parseJson(text));
  const message = str(parsed?.errorMessage) ?? text;
  return message.split("\n")[0] ?? "";
};

/** Human cause text: Lambda wraps errors as `{"errorType","errorMessage",...}` JSON in `cause`. */
export function causeMessage(cause: string): string {
  return firstLine(cause);
}

// ── Derived figures (pure, take `now` so they are testable) ──────────────────────────────────────

export function elapsedMs(model: JobModel, now: number): number {
  if (model.startedAt === undefined) return 0;
  return Math.max(0, (model.stoppedAt ?? now) - model.startedAt);
}

/**
 * Media jobs have no frames: progress is the furthest milestone of the media state machine
 * (modules/state-machines/media.ts) that finished; the transcode is most of the work.
 */
export const MEDIA_MILESTONES: Readonly<Record<string, number>> = {
  Prepare: 0.05,
  Transcode: 0.7,
  Thumbnails: 0.8,
  SkipSubtitles: 0.9,
  TranscribeFinish: 0.9,
  Complete: 0.97,
};

/** 0..1: frames for renders; the furthest finished milestone for media jobs. */
export function progressFraction(model: JobModel): number {
  if (model.status === "SUCCEEDED") return 1;
  if (model.kind === "media") {
    return model.steps.reduce(
      (best, step) => (step.status === "succeeded" ? Math.max(best, MEDIA_MILESTONES[step.name] ?? 0) : best),
      0,
    );
  }
  if (model.totalFrames) return Math.min(1, model.framesDone / model.totalFrames);
  if (model.chunkCount) return model.counts.done / model.chunkCount;
  return 0;
}

/** Remaining seconds from the Map's pace so far, or undefined before any chunk finished. */
export function etaSeconds(model: JobModel, now: number): number | undefined {
  if (model.status !== "RUNNING" || model.mapStartedAt === undefined) return undefined;
  const fraction = progressFraction(model);
  if (fraction <= 0 || fraction >= 1) return undefined;
  const spent = (now - model.mapStartedAt) / 1000;
  return (spent / fraction) * (1 - fraction);
}

export interface SlowChunk {
  readonly index: number;
  readonly durationMs: number;
  readonly status: ChunkStatus;
  readonly attempt: number;
}

/** The slowest chunks, finished or still running (running ones measured to `now`). */
export function slowestChunks(model: JobModel, now: number, limit = 3): SlowChunk[] {
  const timed: SlowChunk[] = [];
  for (const chunk of model.chunks) {
    if (chunk.startedAt === undefined) continue;
    const end = chunk.finishedAt ?? model.stoppedAt ?? now;
    timed.push({
      index: chunk.index,
      durationMs: end - chunk.startedAt,
      status: chunk.status,
      attempt: chunk.attempt,
    });
  }
  return timed.sort((a, b) => b.durationMs - a.durationMs || a.index - b.index).slice(0, limit);
}

/** Cost accrued so far from recorded task durations and transitions (also for failed/cancelled jobs). */
export function jobCost(model: JobModel, extra: { transcribeSeconds?: number } = {}): CostBreakdown {
  return accruedCost({
    invocations: model.invocations,
    transitions: model.transitions,
    ...(extra.transcribeSeconds ? { transcribeSeconds: extra.transcribeSeconds } : {}),
    assumptions: [
      "durations from the history's task start and end timestamps (Lambda bills within a few ms of them)",
      "memory from the module's defaults unless configured",
    ],
  });
}

// ── History filters ─────────────────────────────────────────────────────────────────────────────

export interface HistoryFilter {
  readonly errorsOnly?: boolean;
  readonly chunk?: number;
  readonly state?: string;
}

export function filterEntries(entries: readonly HistoryEntry[], filter: HistoryFilter): HistoryEntry[] {
  return entries.filter(
    (entry) =>
      (!filter.errorsOnly || entry.isError) &&
      (filter.chunk === undefined || entry.chunk === filter.chunk) &&
      (filter.state === undefined || entry.state === filter.state),
  );
}

/** The state names present in a history, for the filter picker. */
export function stateNames(entries: readonly HistoryEntry[]): string[] {
  return [...new Set(entries.map((entry) => entry.state).filter((s): s is string => s !== undefined))];
}
