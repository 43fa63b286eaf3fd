import { useStdout } from "ink";
import { useEffect, useRef, useState } from "react";
import { isTerminalJobStatus } from "../../handlers/contracts/job-status.js";
import {
  DEFAULT_POLL_TIMING,
  type FetchHistoryPage,
  isThrottling,
  nextPollDelay,
  type PollTiming,
} from "../history/history-reader.js";
import { emptyJobModel, type JobModel } from "../history/job-model.js";
import { refreshJob } from "../services/jobs.js";
import { clampSize, type ScreenSize } from "./layout.js";

/** The terminal size, updated on resize. */
export function useTerminalSize(fixed?: ScreenSize): ScreenSize {
  const { stdout } = useStdout();
  const read = (): ScreenSize => fixed ?? clampSize({ columns: stdout.columns, rows: stdout.rows });
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(clampSize({ columns: stdout.columns, rows: stdout.rows }));
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
    };
  }, [stdout, fixed]);
  return size;
}

/** A clock for elapsed times and ETAs, ticking once a second. */
export function useNow(intervalMs = 1000, frozen?: number): number {
  const [now, setNow] = useState(() => frozen ?? Date.now());
  useEffect(() => {
    if (frozen !== undefined) return;
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, frozen]);
  return now;
}

/** A stream of job models from someone else's poll loop. `subscribe` returns the unsubscribe. */
export interface JobFeed {
  readonly executionArn: string;
  subscribe(listener: (model: JobModel) => void): () => void;
}

/** A feed the caller pushes into; late subscribers get the latest model at once. */
export function createJobFeed(executionArn: string): JobFeed & { push(model: JobModel): void } {
  const listeners = new Set<(model: JobModel) => void>();
  let latest: JobModel | undefined;
  return {
    executionArn,
    subscribe(listener) {
      listeners.add(listener);
      if (latest) listener(latest);
      return () => {
        listeners.delete(listener);
      };
    },
    push(model) {
      latest = model;
      for (const listener of listeners) listener(model);
    },
  };
}

export interface JobPoll {
  model: JobModel;
  error?: string;
  /** Requests made by the last refresh (1 in steady state). */
  lastRequests: number;
}

/**
 * Polls a job's history: only new events each time (reverseOrder, stop at the last seen id), the
 * delay doubling on throttling. The cleanup clears the timer and aborts the request in flight, so
 * leaving the screen never leaves a poll behind, and input is never blocked by one.
 */
export function useJobModel(
  fetchPage: FetchHistoryPage,
  executionArn: string,
  options: {
    timing?: PollTiming;
    memoryMb?: Readonly<Record<string, number>>;
    onEnd?: (model: JobModel) => void;
    /** Models pushed by a caller that already polls (the `render` command): no polling here then. */
    feed?: JobFeed;
  } = {},
): JobPoll {
  const [state, setState] = useState<JobPoll>(() => ({
    model: emptyJobModel(executionArn),
    lastRequests: 0,
  }));
  const onEnd = useRef(options.onEnd);
  onEnd.current = options.onEnd;
  const timing = options.timing ?? DEFAULT_POLL_TIMING;
  const memoryMb = options.memoryMb;
  const feed = options.feed;
  useEffect(() => {
    if (!feed) return;
    return feed.subscribe((model) => {
      setState({ model, lastRequests: 0 });
      if (isTerminalJobStatus(model.status)) onEnd.current?.(model);
    });
  }, [feed]);
  useEffect(() => {
    if (feed) return;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let model = emptyJobModel(executionArn);
    let delay = timing.baseMs;
    const tick = async () => {
      try {
        const next = await refreshJob(fetchPage, model, {
          signal: controller.signal,
          ...(memoryMb ? { memoryMb } : {}),
        });
        if (controller.signal.aborted) return;
        model = next.model;
        delay = nextPollDelay(delay, "ok", timing);
        setState({ model, lastRequests: next.requests });
        if (isTerminalJobStatus(model.status)) {
          onEnd.current?.(model);
          return;
        }
      } catch (err) {
        if (controller.signal.aborted) return;
        delay = nextPollDelay(delay, isThrottling(err) ? "throttled" : "error", timing);
        const message = `${(err as Error).name}: ${(err as Error).message}; retrying in ${Math.round(delay / 1000)} s`;
        setState((current) => ({ ...current, error: message }));
      }
      timer = setTimeout(tick, delay);
    };
    void tick();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [fetchPage, executionArn, timing, memoryMb, feed]);
  return state;
}

/** Polls a list (jobs, videos) every `intervalMs`; `refresh()` polls at once. Same cleanup rules. */
export function usePolledList<T>(
  load: (signal: AbortSignal) => Promise<T[]>,
  intervalMs: number,
): { items: T[]; error?: string; loading: boolean; refresh: () => void } {
  const [items, setItems] = useState<T[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    void generation;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let delay = intervalMs;
    const tick = async () => {
      try {
        const next = await load(controller.signal);
        if (controller.signal.aborted) return;
        setItems(next);
        setError(undefined);
        delay = intervalMs;
      } catch (err) {
        if (controller.signal.aborted) return;
        delay = Math.min(30_000, delay * 2);
        setError(`${(err as Error).name}: ${(err as Error).message}`);
      }
      setLoading(false);
      timer = setTimeout(tick, delay);
    };
    void tick();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [load, intervalMs, generation]);
  return { items, ...(error ? { error } : {}), loading, refresh: () => setGeneration((g) => g + 1) };
}
