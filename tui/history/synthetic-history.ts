import type { HistoryEvent, HistoryEventType } from "@aws-sdk/client-sfn";

/**
 * Generates AWS-shaped GetExecutionHistory events for a render execution (Plan, a Choice, an inline
 * Map of RenderChunk `lambda:invoke` tasks with retries, Assemble), as AWS records them: ids in time
 * order, `previousEventId` chaining each event to the one that caused it inside its iteration, task
 * parameters and outputs as JSON strings in the `{Payload}` envelope. Used by the unit tests and the
 * benchmark before (and besides) recorded histories from the local cloud. Deterministic for a seed.
 */

export interface SyntheticRenderOptions {
  readonly chunks: number;
  readonly chunkSize?: number;
  readonly maxConcurrency?: number;
  /** Chunk indexes whose first attempt fails with BROWSER_CRASHED and is retried. */
  readonly retryOnce?: readonly number[];
  /** Chunk indexes that fail every attempt (3 attempts), failing the Map and the execution. */
  readonly failPermanently?: readonly number[];
  /** Stop recording after this many events (a running job's history so far). */
  readonly truncateAt?: number;
  /** Abort (StopExecution) after this many milliseconds of job time. */
  readonly abortAtMs?: number;
  readonly seed?: number;
  readonly startTime?: number;
  readonly jobId?: string;
}

const REGION_ACCOUNT = "us-east-1:000000000000";
export const SYNTHETIC_RENDER_ARN = `arn:aws:states:${REGION_ACCOUNT}:stateMachine:hyperframes-render`;
const RENDER_FN = `arn:aws:lambda:${REGION_ACCOUNT}:function:render`;

interface Proto {
  key: string;
  prevKey?: string;
  type: HistoryEventType;
  at: number;
  seq: number;
  details?: Record<string, unknown>;
}

const DETAIL_FIELD: Partial<Record<string, string>> = {
  ExecutionStarted: "executionStartedEventDetails",
  ExecutionSucceeded: "executionSucceededEventDetails",
  ExecutionFailed: "executionFailedEventDetails",
  ExecutionAborted: "executionAbortedEventDetails",
  TaskStateEntered: "stateEnteredEventDetails",
  ChoiceStateEntered: "stateEnteredEventDetails",
  MapStateEntered: "stateEnteredEventDetails",
  TaskStateExited: "stateExitedEventDetails",
  ChoiceStateExited: "stateExitedEventDetails",
  MapStateExited: "stateExitedEventDetails",
  MapStateStarted: "mapStateStartedEventDetails",
  MapIterationStarted: "mapIterationStartedEventDetails",
  MapIterationSucceeded: "mapIterationSucceededEventDetails",
  MapIterationFailed: "mapIterationFailedEventDetails",
  MapIterationAborted: "mapIterationAbortedEventDetails",
  TaskScheduled: "taskScheduledEventDetails",
  TaskStarted: "taskStartedEventDetails",
  TaskSucceeded: "taskSucceededEventDetails",
  TaskFailed: "taskFailedEventDetails",
};

/** A small deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function executionArnFor(jobId: string): string {
  return `arn:aws:states:${REGION_ACCOUNT}:execution:hyperframes-render:${jobId}`;
}

export function syntheticRenderHistory(options: SyntheticRenderOptions): HistoryEvent[] {
  const chunkSize = options.chunkSize ?? 30;
  const chunks = options.chunks;
  const totalFrames = chunks * chunkSize;
  const concurrency = options.maxConcurrency ?? 40;
  const rand = random(options.seed ?? 1);
  const t0 = options.startTime ?? Date.UTC(2026, 10, 21, 12, 0, 0);
  const jobId = options.jobId ?? "r20261121t120000-0badcafe";
  const retryOnce = new Set(options.retryOnce ?? []);
  const failing = new Set(options.failPermanently ?? []);
  const protos: Proto[] = [];
  let seq = 0;
  const push = (p: Omit<Proto, "seq">): string => {
    protos.push({ ...p, seq: seq++ });
    return p.key;
  };
  const bucket = "hyperframes-local";
  const prefix = `s3://${bucket}/renders/${jobId}/`;
  const outputUri = `s3://${bucket}/outputs/${jobId}/video.mp4`;
  const lambdaOutput = (payload: Record<string, unknown>) =>
    JSON.stringify({ ExecutedVersion: "$LATEST", Payload: payload, StatusCode: 200 });
  const task = (
    scope: string,
    state: string,
    prev: string,
    at: number,
    payload: Record<string, unknown>,
    result: Record<string, unknown>,
    ms: number,
  ) => {
    push({
      key: `${scope}:entered`,
      prevKey: prev,
      type: "TaskStateEntered",
      at,
      details: { name: state, input: "{}" },
    });
    push({
      key: `${scope}:sched`,
      prevKey: `${scope}:entered`,
      type: "TaskScheduled",
      at,
      details: {
        resourceType: "lambda",
        resource: "invoke",
        region: "us-east-1",
        parameters: JSON.stringify({ FunctionName: RENDER_FN, Payload: payload }),
        timeoutInSeconds: 900,
      },
    });
    push({
      key: `${scope}:start`,
      prevKey: `${scope}:sched`,
      type: "TaskStarted",
      at: at + 20,
      details: { resourceType: "lambda", resource: "invoke" },
    });
    push({
      key: `${scope}:ok`,
      prevKey: `${scope}:start`,
      type: "TaskSucceeded",
      at: at + 20 + ms,
      details: { resourceType: "lambda", resource: "invoke", output: lambdaOutput(result) },
    });
    push({
      key: `${scope}:exit`,
      prevKey: `${scope}:ok`,
      type: "TaskStateExited",
      at: at + 30 + ms,
      details: { name: state, output: "{}" },
    });
    return { key: `${scope}:exit`, end: at + 30 + ms };
  };

  push({
    key: "start",
    type: "ExecutionStarted",
    at: t0,
    details: {
      input: JSON.stringify({
        JobId: jobId,
        ProjectS3Uri: `s3://${bucket}/projects/${"a".repeat(64)}.tar.gz`,
        PlanOutputS3Prefix: prefix,
        OutputS3Uri: outputUri,
        Config: { chunkSize, maxParallelChunks: concurrency, format: "mp4", quality: "standard" },
      }),
      roleArn: "arn:aws:iam::000000000000:role/render",
    },
  });
  const plan = task(
    "plan",
    "Plan",
    "start",
    t0 + 10,
    { Action: "plan" },
    {
      Action: "plan",
      PlanProtocol: "v2",
      PlanHash: "b".repeat(64),
      ChunkCount: chunks,
      TotalFrames: totalFrames,
      Fps: 30,
      Width: 1280,
      Height: 720,
      Format: "mp4",
      DurationMs: 3000,
    },
    3000,
  );
  push({
    key: "choice:in",
    prevKey: plan.key,
    type: "ChoiceStateEntered",
    at: plan.end + 5,
    details: { name: "HasChunks" },
  });
  push({
    key: "choice:out",
    prevKey: "choice:in",
    type: "ChoiceStateExited",
    at: plan.end + 6,
    details: { name: "HasChunks" },
  });
  push({
    key: "map:in",
    prevKey: "choice:out",
    type: "MapStateEntered",
    at: plan.end + 7,
    details: { name: "RenderChunks" },
  });
  push({
    key: "map:start",
    prevKey: "map:in",
    type: "MapStateStarted",
    at: plan.end + 8,
    details: { length: chunks },
  });

  // Simulate MaxConcurrency slots: each iteration starts when a slot frees up.
  const slots: number[] = Array.from(
    { length: Math.min(concurrency, Math.max(1, chunks)) },
    () => plan.end + 10,
  );
  let mapFailedAt: number | undefined;
  let lastIterationKey = "map:start";
  let mapEnd = plan.end + 10;
  for (let i = 0; i < chunks; i++) {
    slots.sort((a, b) => a - b);
    const begin = slots[0] ?? plan.end + 10;
    if (mapFailedAt !== undefined && begin >= mapFailedAt) break;
    const scope = `it${i}`;
    push({
      key: `${scope}:begin`,
      prevKey: "map:start",
      type: "MapIterationStarted",
      at: begin,
      details: { name: "RenderChunks", index: i },
    });
    push({
      key: `${scope}:entered`,
      prevKey: `${scope}:begin`,
      type: "TaskStateEntered",
      at: begin + 1,
      details: { name: "RenderChunk" },
    });
    let prev = `${scope}:entered`;
    let at = begin + 2;
    const attempts = failing.has(i) ? 3 : retryOnce.has(i) ? 2 : 1;
    let succeeded = false;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const key = `${scope}:a${attempt}`;
      push({
        key: `${key}:sched`,
        prevKey: prev,
        type: "TaskScheduled",
        at,
        details: {
          resourceType: "lambda",
          resource: "invoke",
          region: "us-east-1",
          parameters: JSON.stringify({
            FunctionName: RENDER_FN,
            Payload: { Action: "renderChunk", PlanProtocol: "v2", ChunkIndex: i },
          }),
          timeoutInSeconds: 900,
        },
      });
      push({
        key: `${key}:start`,
        prevKey: `${key}:sched`,
        type: "TaskStarted",
        at: at + 15,
        details: { resourceType: "lambda", resource: "invoke" },
      });
      const ms = Math.round(4000 + rand() * 4000 + (i % 97 === 13 ? 9000 : 0));
      const fails = failing.has(i) || (retryOnce.has(i) && attempt === 1);
      if (fails) {
        push({
          key: `${key}:end`,
          prevKey: `${key}:start`,
          type: "TaskFailed",
          at: at + 15 + ms / 2,
          details: {
            resourceType: "lambda",
            resource: "invoke",
            error: "BROWSER_CRASHED",
            cause: JSON.stringify({
              errorType: "BROWSER_CRASHED",
              errorMessage: `Chromium exited with signal SIGKILL at frame ${i * chunkSize + 7}`,
            }),
          },
        });
        prev = `${key}:end`;
        at = at + 15 + ms / 2 + 2000 * attempt;
      } else {
        push({
          key: `${key}:end`,
          prevKey: `${key}:start`,
          type: "TaskSucceeded",
          at: at + 15 + ms,
          details: {
            resourceType: "lambda",
            resource: "invoke",
            output: lambdaOutput({
              Action: "renderChunk",
              ChunkIndex: i,
              FramesEncoded: chunkSize,
              DurationMs: ms,
            }),
          },
        });
        prev = `${key}:end`;
        at = at + 15 + ms;
        succeeded = true;
      }
    }
    if (succeeded) {
      push({
        key: `${scope}:exit`,
        prevKey: prev,
        type: "TaskStateExited",
        at: at + 1,
        details: { name: "RenderChunk" },
      });
      push({
        key: `${scope}:done`,
        prevKey: `${scope}:exit`,
        type: "MapIterationSucceeded",
        at: at + 2,
        details: { name: "RenderChunks", index: i },
      });
    } else {
      push({
        key: `${scope}:done`,
        prevKey: prev,
        type: "MapIterationFailed",
        at: at + 2,
        details: { name: "RenderChunks", index: i },
      });
      mapFailedAt = Math.min(mapFailedAt ?? Number.POSITIVE_INFINITY, at + 2);
    }
    lastIterationKey = `${scope}:done`;
    slots[0] = at + 3;
    mapEnd = Math.max(mapEnd, at + 3);
  }

  if (mapFailedAt !== undefined) {
    push({ key: "map:failed", prevKey: lastIterationKey, type: "MapStateFailed", at: mapFailedAt + 1 });
    push({
      key: "exec:end",
      prevKey: "map:failed",
      type: "ExecutionFailed",
      at: mapFailedAt + 2,
      details: { error: "BROWSER_CRASHED", cause: "Chromium exited with signal SIGKILL" },
    });
  } else {
    push({ key: "map:ok", prevKey: lastIterationKey, type: "MapStateSucceeded", at: mapEnd + 1 });
    push({
      key: "map:out",
      prevKey: "map:ok",
      type: "MapStateExited",
      at: mapEnd + 2,
      details: { name: "RenderChunks" },
    });
    const assemble = task(
      "asm",
      "Assemble",
      "map:out",
      mapEnd + 3,
      { Action: "assemble" },
      {
        Action: "assemble",
        OutputS3Uri: outputUri,
        FramesEncoded: totalFrames,
        FileSize: 1_234_567,
        Sha256: "c".repeat(64),
        DurationMs: 900,
      },
      900,
    );
    push({
      key: "exec:end",
      prevKey: assemble.key,
      type: "ExecutionSucceeded",
      at: assemble.end + 1,
      details: { output: "{}" },
    });
  }

  let ordered = [...protos].sort((a, b) => a.at - b.at || a.seq - b.seq);
  if (options.abortAtMs !== undefined) {
    const cut = t0 + options.abortAtMs;
    ordered = ordered.filter((p) => p.at <= cut && p.key !== "exec:end");
    const open = new Set<string>();
    for (const p of ordered) {
      const it = /^it(\d+):begin$/.exec(p.key)?.[1];
      if (it !== undefined) open.add(it);
      const done = /^it(\d+):done$/.exec(p.key)?.[1];
      if (done !== undefined) open.delete(done);
    }
    let s = protos.length;
    for (const it of open) {
      ordered.push({
        key: `it${it}:abort`,
        prevKey: `it${it}:begin`,
        type: "MapIterationAborted",
        at: cut,
        seq: s++,
        details: { name: "RenderChunks", index: Number(it) },
      });
    }
    ordered.push({ key: "map:aborted", prevKey: "map:start", type: "MapStateAborted", at: cut, seq: s++ });
    ordered.push({
      key: "exec:end",
      prevKey: "map:aborted",
      type: "ExecutionAborted",
      at: cut + 1,
      seq: s++,
      details: { error: "Cancelled", cause: "Stopped from hyperframes-tui" },
    });
  }
  const ids = new Map<string, number>();
  ordered.forEach((p, index) => {
    ids.set(p.key, index + 1);
  });
  const events = ordered.map((p, index): HistoryEvent => {
    const field = DETAIL_FIELD[p.type];
    const previous = p.prevKey !== undefined ? ids.get(p.prevKey) : undefined;
    return {
      id: index + 1,
      type: p.type,
      timestamp: new Date(p.at),
      ...(previous !== undefined ? { previousEventId: previous } : { previousEventId: 0 }),
      ...(field && p.details ? { [field]: p.details } : {}),
    };
  });
  return options.truncateAt !== undefined ? events.slice(0, options.truncateAt) : events;
}

/** Serves a history the way GetExecutionHistory does (reverseOrder, maxResults, nextToken). */
export function pagedHistory(events: readonly HistoryEvent[]) {
  return async (request: { reverseOrder: boolean; maxResults: number; nextToken?: string }) => {
    const start = request.nextToken ? Number(request.nextToken) : 0;
    const end = Math.min(events.length, start + request.maxResults);
    const page: HistoryEvent[] = [];
    for (let i = start; i < end; i++) {
      const event = request.reverseOrder ? events[events.length - 1 - i] : events[i];
      if (event) page.push(event);
    }
    return { events: page, nextToken: end < events.length ? String(end) : undefined };
  };
}
