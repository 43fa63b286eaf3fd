import type { HistoryEvent } from "@aws-sdk/client-sfn";

/**
 * Chunk-level progress of a render execution from its Step Functions history (pure). Map iterations
 * carry the chunk index; task events inside an iteration are tied to it through `previousEventId`.
 */
export type ChunkState = "running" | "retrying" | "succeeded" | "failed" | "aborted";

export interface RenderProgress {
  /** The state the execution is in or last entered (e.g. Plan, RenderChunks, Assemble). */
  currentState: string | null;
  totalChunks: number | null;
  totalFrames: number | null;
  framesRendered: number;
  chunks: { queued: number; running: number; retrying: number; succeeded: number; failed: number };
  /** Per chunk, for up to 1,000 chunks: index, state and attempts. */
  chunkStates: { index: number; state: ChunkState; attempts: number }[];
  errors: { state: string | null; chunk: number | null; error: string; cause: string; at: string | null }[];
  /** Lambda invocations (attempts included) with their durations, for the cost model. */
  invocations: { durationMs: number; state: string | null }[];
  /** State transitions so far (states entered, Map iterations included). */
  transitions: number;
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A Lambda task result: `{Payload: {...}}` (lambda:invoke) or the payload itself. */
function payloadOf(output: string | undefined): Record<string, unknown> | undefined {
  const value = parseJson(output);
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const payload = record.Payload;
  return typeof payload === "object" && payload !== null ? (payload as Record<string, unknown>) : record;
}

const MAX_ERRORS = 20;

export function summarizeRenderHistory(events: readonly HistoryEvent[]): RenderProgress {
  const byId = new Map<number, HistoryEvent>();
  for (const event of events) if (event.id !== undefined) byId.set(event.id, event);

  // Which map iteration (chunk index) and which state each event belongs to, memoized along the chain.
  const iterationOf = new Map<number, number | null>();
  const stateOf = new Map<number, string | null>();
  const chunkIndexOf = (event: HistoryEvent): number | null => {
    const chain: number[] = [];
    let current: HistoryEvent | undefined = event;
    let found: number | null = null;
    while (current?.id !== undefined) {
      const known = iterationOf.get(current.id);
      if (known !== undefined) {
        found = known;
        break;
      }
      chain.push(current.id);
      if (current.type === "MapIterationStarted") {
        found = current.mapIterationStartedEventDetails?.index ?? null;
        break;
      }
      if (current.type === "MapStateStarted" || current.type === "ExecutionStarted") break;
      current = current.previousEventId !== undefined ? byId.get(current.previousEventId) : undefined;
    }
    for (const id of chain) iterationOf.set(id, found);
    return found;
  };
  const stateNameOf = (event: HistoryEvent): string | null => {
    const chain: number[] = [];
    let current: HistoryEvent | undefined = event;
    let found: string | null = null;
    while (current?.id !== undefined) {
      const known = stateOf.get(current.id);
      if (known !== undefined) {
        found = known;
        break;
      }
      chain.push(current.id);
      if (current.stateEnteredEventDetails?.name) {
        found = current.stateEnteredEventDetails.name;
        break;
      }
      current = current.previousEventId !== undefined ? byId.get(current.previousEventId) : undefined;
    }
    for (const id of chain) stateOf.set(id, found);
    return found;
  };

  const progress: RenderProgress = {
    currentState: null,
    totalChunks: null,
    totalFrames: null,
    framesRendered: 0,
    chunks: { queued: 0, running: 0, retrying: 0, succeeded: 0, failed: 0 },
    chunkStates: [],
    errors: [],
    invocations: [],
    transitions: 0,
  };
  const chunks = new Map<number, { state: ChunkState; attempts: number }>();
  const scheduledAt = new Map<number, number>();

  for (const event of events) {
    const at = event.timestamp ? new Date(event.timestamp).getTime() : undefined;
    switch (event.type) {
      case "TaskStateEntered":
      case "MapStateEntered":
      case "ChoiceStateEntered":
      case "PassStateEntered":
      case "SucceedStateEntered":
      case "FailStateEntered":
      case "WaitStateEntered":
      case "ParallelStateEntered":
        progress.transitions++;
        if (chunkIndexOf(event) === null)
          progress.currentState = event.stateEnteredEventDetails?.name ?? null;
        break;
      case "MapStateStarted":
        progress.totalChunks = event.mapStateStartedEventDetails?.length ?? progress.totalChunks;
        break;
      case "MapIterationStarted": {
        const index = event.mapIterationStartedEventDetails?.index;
        if (index !== undefined) chunks.set(index, { state: "running", attempts: 0 });
        break;
      }
      case "MapIterationSucceeded":
      case "MapIterationFailed":
      case "MapIterationAborted": {
        const index = (
          event.mapIterationSucceededEventDetails ??
          event.mapIterationFailedEventDetails ??
          event.mapIterationAbortedEventDetails
        )?.index;
        const chunk = index !== undefined ? chunks.get(index) : undefined;
        if (chunk) {
          chunk.state =
            event.type === "MapIterationSucceeded"
              ? "succeeded"
              : event.type === "MapIterationFailed"
                ? "failed"
                : "aborted";
        }
        break;
      }
      case "TaskScheduled":
      case "LambdaFunctionScheduled": {
        if (event.id !== undefined && at !== undefined) scheduledAt.set(event.id, at);
        const index = chunkIndexOf(event);
        const chunk = index !== null ? chunks.get(index) : undefined;
        if (chunk) chunk.attempts++;
        break;
      }
      case "TaskSucceeded":
      case "TaskFailed":
      case "TaskTimedOut":
      case "LambdaFunctionSucceeded":
      case "LambdaFunctionFailed":
      case "LambdaFunctionTimedOut": {
        const start = findScheduled(event, byId, scheduledAt);
        const state = stateNameOf(event);
        if (start !== undefined && at !== undefined)
          progress.invocations.push({ durationMs: Math.max(0, at - start), state });
        const index = chunkIndexOf(event);
        if (event.type === "TaskSucceeded" || event.type === "LambdaFunctionSucceeded") {
          const payload = payloadOf(
            event.taskSucceededEventDetails?.output ?? event.lambdaFunctionSucceededEventDetails?.output,
          );
          if (payload?.Action === "plan") {
            if (typeof payload.ChunkCount === "number") progress.totalChunks = payload.ChunkCount;
            if (typeof payload.TotalFrames === "number") progress.totalFrames = payload.TotalFrames;
          } else if (payload?.Action === "renderChunk" && typeof payload.FramesEncoded === "number") {
            progress.framesRendered += payload.FramesEncoded;
          }
        } else {
          const details =
            event.taskFailedEventDetails ??
            event.taskTimedOutEventDetails ??
            event.lambdaFunctionFailedEventDetails ??
            event.lambdaFunctionTimedOutEventDetails;
          const chunk = index !== null ? chunks.get(index) : undefined;
          if (chunk && chunk.state === "running") chunk.state = "retrying";
          progress.errors.push({
            state,
            chunk: index,
            error: details?.error ?? event.type,
            cause: (details?.cause ?? "").slice(0, 2000),
            at: event.timestamp ? new Date(event.timestamp).toISOString() : null,
          });
        }
        if (index !== null && (event.type === "TaskSucceeded" || event.type === "LambdaFunctionSucceeded")) {
          const chunk = chunks.get(index);
          if (chunk && chunk.state === "retrying") chunk.state = "running";
        }
        break;
      }
      case "ExecutionFailed":
      case "ExecutionTimedOut":
      case "ExecutionAborted": {
        const details =
          event.executionFailedEventDetails ??
          event.executionTimedOutEventDetails ??
          event.executionAbortedEventDetails;
        progress.errors.push({
          state: null,
          chunk: null,
          error: details?.error ?? event.type,
          cause: (details?.cause ?? "").slice(0, 2000),
          at: event.timestamp ? new Date(event.timestamp).toISOString() : null,
        });
        break;
      }
      default:
        break;
    }
  }

  for (const [index, chunk] of [...chunks.entries()].sort((a, b) => a[0] - b[0])) {
    if (chunk.state === "succeeded") progress.chunks.succeeded++;
    else if (chunk.state === "failed" || chunk.state === "aborted") progress.chunks.failed++;
    else if (chunk.state === "retrying") progress.chunks.retrying++;
    else progress.chunks.running++;
    if (progress.chunkStates.length < 1000)
      progress.chunkStates.push({ index, state: chunk.state, attempts: chunk.attempts });
  }
  if (progress.totalChunks !== null) {
    progress.chunks.queued = Math.max(0, progress.totalChunks - chunks.size);
  }
  // Keep the most recent errors (the execution's own failure last).
  if (progress.errors.length > MAX_ERRORS) progress.errors = progress.errors.slice(-MAX_ERRORS);
  return progress;
}

function findScheduled(
  event: HistoryEvent,
  byId: Map<number, HistoryEvent>,
  scheduledAt: Map<number, number>,
): number | undefined {
  let current: HistoryEvent | undefined = event;
  for (let hops = 0; current && hops < 8; hops++) {
    if (current.id !== undefined && scheduledAt.has(current.id)) return scheduledAt.get(current.id);
    current = current.previousEventId !== undefined ? byId.get(current.previousEventId) : undefined;
  }
  return undefined;
}
