import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from "@aws-sdk/client-sfn";

/**
 * Incremental reading of a Step Functions execution history. Each refresh asks for the NEWEST events
 * first (`reverseOrder: true`) and stops at the last event id already seen, so a refresh costs one
 * request whatever the history's length (as long as fewer than `pageSize` events arrived since the
 * last one). Only the first read of a long history pages through it.
 */

export interface HistoryPageRequest {
  executionArn: string;
  reverseOrder: true;
  maxResults: number;
  includeExecutionData: true;
  nextToken?: string;
}

export interface HistoryPage {
  events: HistoryEvent[];
  nextToken?: string | undefined;
}

/** One GetExecutionHistory call; the SDK edge, swapped for a fake in tests. */
export type FetchHistoryPage = (request: HistoryPageRequest, signal?: AbortSignal) => Promise<HistoryPage>;

export function sfnHistoryPages(sfn: SFNClient): FetchHistoryPage {
  return async (request, signal) => {
    const out = await sfn.send(
      new GetExecutionHistoryCommand(request),
      signal ? { abortSignal: signal } : {},
    );
    return { events: out.events ?? [], nextToken: out.nextToken };
  };
}

/** AWS's page size limit for GetExecutionHistory. */
export const MAX_HISTORY_PAGE = 1000;

export interface ReadResult {
  /** Events newer than `afterEventId`, oldest first. */
  events: HistoryEvent[];
  /** The newest event id seen (unchanged when nothing new arrived). */
  lastEventId: number;
  /** Requests made: 1 per refresh in steady state. */
  requests: number;
}

/** Reads the events with id greater than `afterEventId` (0 for the whole history). */
export async function readNewEvents(
  fetchPage: FetchHistoryPage,
  executionArn: string,
  afterEventId: number,
  options: { pageSize?: number; signal?: AbortSignal } = {},
): Promise<ReadResult> {
  const pageSize = Math.min(MAX_HISTORY_PAGE, Math.max(1, options.pageSize ?? MAX_HISTORY_PAGE));
  const newestFirst: HistoryEvent[] = [];
  let nextToken: string | undefined;
  let requests = 0;
  let reachedKnown = false;
  do {
    const page = await fetchPage(
      {
        executionArn,
        reverseOrder: true,
        maxResults: pageSize,
        includeExecutionData: true,
        ...(nextToken ? { nextToken } : {}),
      },
      options.signal,
    );
    requests += 1;
    for (const event of page.events) {
      if ((event.id ?? 0) <= afterEventId) {
        reachedKnown = true;
        break;
      }
      newestFirst.push(event);
    }
    nextToken = page.nextToken;
  } while (!reachedKnown && nextToken);
  const events = newestFirst.reverse();
  const last = events.at(-1)?.id;
  return { events, lastEventId: last !== undefined && last > afterEventId ? last : afterEventId, requests };
}

/** Backoff between polls: doubles on throttling up to `max`, back to `base` after a good poll. */
export interface PollTiming {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_POLL_TIMING: PollTiming = { baseMs: 1000, maxMs: 30_000 };

export function isThrottling(err: unknown): boolean {
  const name = (err as { name?: unknown } | undefined)?.name;
  return name === "ThrottlingException" || name === "TooManyRequestsException" || name === "Throttling";
}

export function nextPollDelay(
  currentMs: number,
  outcome: "ok" | "throttled" | "error",
  timing: PollTiming = DEFAULT_POLL_TIMING,
): number {
  if (outcome === "ok") return timing.baseMs;
  return Math.min(timing.maxMs, Math.max(timing.baseMs, currentMs) * 2);
}
