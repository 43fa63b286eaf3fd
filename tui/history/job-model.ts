import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { accruedCost, type CostBreakdown } from "../../handlers/shared/cost-model.js";
import {
  asNumber,
  asRecord,
  asString,
  type ChunkRecord,
  type ChunkStatus,
  type ErrorRecord,
  type ExecutionProgress,
  emptyExecutionProgress,
  type FoldOptions,
  foldEvents,
  functionNameOf,
  parseJson,
  type StepRecord,
} from "../../handlers/shared/execution-progress.js";

export {
  CHUNK_STATUSES,
  type ChunkStatus,
  chunkFrames,
  countChunks,
  eventDetails,
  functionNameOf,
} from "../../handlers/shared/execution-progress.js";

/**
 * The job view model: everything the job view, `watch`, `jobs` and `cost` show. Its figures (chunk
 * states, attempts, frames, errors, steps, invocations, transitions) are the shared execution progress
 * (handlers/shared/execution-progress.ts, also used by the API); this module adds what only the TUI
 * shows: the execution ARN and the flattened history entries. Pure: `applyEvents(model, events)`
 * returns the next model; applying an event whose id is not newer than `lastEventId` does nothing, so
 * re-reads are harmless.
 */

export type ChunkView = ChunkRecord;
export type ErrorView = ErrorRecord;
export type StepView = StepRecord;

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

export interface JobModel extends ExecutionProgress {
  readonly executionArn: string;
  readonly entries: readonly HistoryEntry[];
}

export type ModelOptions = FoldOptions;

export function emptyJobModel(executionArn: string): JobModel {
  return { ...emptyExecutionProgress(), executionArn, entries: [] };
}

/** Folds new events (oldest first) into the model. */
export function applyEvents(
  model: JobModel,
  events: readonly HistoryEvent[],
  options: ModelOptions = {},
): JobModel {
  const entries: HistoryEntry[] = [];
  const next = foldEvents(model, events, options, (event) => {
    entries.push({
      id: event.id,
      type: event.type,
      timestamp: event.timestamp,
      ...(event.state !== undefined ? { state: event.state } : {}),
      ...(event.chunk !== undefined ? { chunk: event.chunk } : {}),
      isError: event.error !== undefined,
      summary: summarize(event.type, event.details, event.error),
      details: event.details ?? {},
    });
  });
  return next === model ? model : { ...next, entries: [...model.entries, ...entries] };
}

function summarize(
  type: string,
  details: Record<string, unknown> | undefined,
  error: ErrorView | undefined,
): string {
  if (error) return `${error.name}${error.cause ? `: ${firstLine(error.cause)}` : ""}`;
  const name = asString(details?.name);
  const index = asNumber(details?.index);
  if (type.startsWith("MapIteration") && index !== undefined) return `iteration ${index}`;
  if (type === "MapStateStarted") return `${asNumber(details?.length) ?? "?"} iterations`;
  if (type === "TaskScheduled") {
    const params = asRecord(parseJson(asString(details?.parameters)));
    const action = asString(asRecord(params?.Payload)?.Action);
    return `${functionNameOf(params)}${action ? ` ${action}` : ""}`;
  }
  // State entered/exited events already show the state's name in their own column.
  return type.endsWith("StateEntered") || type.endsWith("StateExited") ? "" : (name ?? "");
}

const firstLine = (text: string): string => {
  const parsed = asRecord(parseJson(text));
  const message = asString(parsed?.errorMessage) ?? text;
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
