import type { HistoryEvent } from "@aws-sdk/client-sfn";
import {
  type ChunkRecord,
  currentState,
  type ExecutionProgress,
  summarizeExecution,
} from "../shared/execution-progress.js";

/**
 * Chunk-level progress of a render execution, as `GET /api/renders/{id}` shows it: the shared
 * execution progress (handlers/shared/execution-progress.ts, the same fold the TUI uses) in the API's
 * response shape. Pure.
 */
export type ChunkState = "running" | "retrying" | "succeeded" | "failed" | "aborted";

export interface RenderProgress {
  /** The state the execution is in or last entered (e.g. Plan, RenderChunks, Assemble). */
  currentState: string | null;
  totalChunks: number | null;
  totalFrames: number | null;
  framesRendered: number;
  chunks: { queued: number; running: number; retrying: number; succeeded: number; failed: number };
  /** Per chunk that started, for up to 1,000 chunks: index, state and attempts. */
  chunkStates: { index: number; state: ChunkState; attempts: number }[];
  errors: { state: string | null; chunk: number | null; error: string; cause: string; at: string | null }[];
  /** Lambda invocations (attempts included) with their durations, for the cost model. */
  invocations: { durationMs: number; state: string | null }[];
  /** State transitions so far (states entered, Map iterations included). */
  transitions: number;
}

const MAX_ERRORS = 20;
const MAX_CHUNK_STATES = 1000;
const MAX_CAUSE_CHARS = 2000;

/** A chunk that started, in the API's terms; undefined for one that never started. */
function chunkState(chunk: ChunkRecord): ChunkState | undefined {
  switch (chunk.status) {
    case "done":
      return "succeeded";
    case "failed":
      return "failed";
    case "running":
      return "running";
    case "retrying":
      return "retrying";
    case "queued":
      // Back to queued after it had started: stopped with the execution.
      return chunk.startedAt !== undefined ? "aborted" : undefined;
  }
}

export function toRenderProgress(progress: ExecutionProgress): RenderProgress {
  const chunks = { queued: 0, running: 0, retrying: 0, succeeded: 0, failed: 0 };
  const chunkStates: RenderProgress["chunkStates"] = [];
  for (const chunk of progress.chunks) {
    const state = chunkState(chunk);
    if (state === undefined) {
      chunks.queued++;
      continue;
    }
    if (state === "aborted") chunks.failed++;
    else chunks[state]++;
    if (chunkStates.length < MAX_CHUNK_STATES)
      chunkStates.push({ index: chunk.index, state, attempts: chunk.attempt });
  }
  return {
    currentState: currentState(progress) ?? null,
    totalChunks: progress.chunkCount ?? null,
    totalFrames: progress.totalFrames ?? null,
    framesRendered: progress.framesDone,
    chunks,
    chunkStates,
    // Keep the most recent errors (the execution's own failure last).
    errors: progress.errors.slice(-MAX_ERRORS).map((error) => ({
      state: error.state ?? null,
      chunk: error.chunk ?? null,
      error: error.name,
      cause: error.cause.slice(0, MAX_CAUSE_CHARS),
      at: error.timestamp ? new Date(error.timestamp).toISOString() : null,
    })),
    invocations: progress.invocations.map((invocation) => ({
      durationMs: invocation.durationMs,
      state: invocation.state ?? null,
    })),
    transitions: progress.statesEntered,
  };
}

export function summarizeRenderHistory(events: readonly HistoryEvent[]): RenderProgress {
  return toRenderProgress(summarizeExecution(events));
}
