import { isTerminalJobStatus } from "../../handlers/contracts/job-status.js";
import {
  DEFAULT_POLL_TIMING,
  type FetchHistoryPage,
  isThrottling,
  nextPollDelay,
  type PollTiming,
} from "../history/history-reader.js";
import type { JobModel } from "../history/job-model.js";
import { refreshJob } from "./jobs.js";

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export interface FollowOptions {
  signal?: AbortSignal;
  timing?: PollTiming;
  memoryMb?: Readonly<Record<string, number>>;
  onUpdate?: (model: JobModel) => void;
  /** Told about a throttled or failed poll and the delay before the next one. */
  onBackoff?: (err: unknown, delayMs: number) => void;
}

/**
 * Polls a job's history until it ends (or the signal aborts): one GetExecutionHistory call per poll in
 * steady state, the delay doubling on throttling. Other errors back off too and are retried: a
 * monitor should outlive a blip.
 */
export async function followJob(
  fetchPage: FetchHistoryPage,
  initial: JobModel,
  options: FollowOptions = {},
): Promise<JobModel> {
  const timing = options.timing ?? DEFAULT_POLL_TIMING;
  let model = initial;
  let delay = timing.baseMs;
  let failures = 0;
  while (!options.signal?.aborted) {
    try {
      const next = await refreshJob(fetchPage, model, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.memoryMb ? { memoryMb: options.memoryMb } : {}),
      });
      if (next.model !== model) {
        model = next.model;
        options.onUpdate?.(model);
      }
      failures = 0;
      delay = nextPollDelay(delay, "ok", timing);
      if (isTerminalJobStatus(model.status)) return model;
    } catch (err) {
      if (options.signal?.aborted) break;
      failures += 1;
      if (!isThrottling(err) && failures >= 5) throw err;
      delay = nextPollDelay(delay, isThrottling(err) ? "throttled" : "error", timing);
      options.onBackoff?.(err, delay);
    }
    await sleep(delay, options.signal);
  }
  return model;
}
