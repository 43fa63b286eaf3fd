import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { gridLayout, gridRows, jobViewGridRows } from "../../tui/app/layout.js";
import { type FetchHistoryPage, readNewEvents } from "../../tui/history/history-reader.js";
import {
  applyEvents,
  emptyJobModel,
  etaSeconds,
  type JobModel,
  jobCost,
  slowestChunks,
} from "../../tui/history/job-model.js";
import {
  executionArnFor,
  pagedHistory,
  syntheticRenderHistory,
} from "../../tui/history/synthetic-history.js";

/**
 * A 1,000-chunk render history (AWS-shaped, 40 at once, 2 % of chunks retried) replayed tick by tick
 * (1 s of job time per tick) through the poller and the job view model, as the TUI does:
 * - incremental: GetExecutionHistory newest-first, stop at the last seen id, fold only new events;
 * - baseline (same run): re-read the whole history every tick and fold it from scratch.
 * Per tick: requests, update time (read + fold + view figures + grid for 80x24). Memory: heap held by
 * the final model. Results: bench/results/tui-view-model.json.
 */

const ARN = executionArnFor("r20261121t120000-0badcafe");
const PAGE = 1000;

interface TickStats {
  ms: number[];
  requests: number[];
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

function viewFigures(model: JobModel, now: number): number {
  // What a frame of the job view computes besides the model itself.
  const layout = gridLayout(model.chunks.length, 79, jobViewGridRows(24));
  const rows = gridRows(model.chunks, layout);
  const slow = slowestChunks(model, now, 3);
  const cost = jobCost(model).totalUsd;
  return rows.length + slow.length + cost + (etaSeconds(model, now) ?? 0);
}

async function run(
  events: HistoryEvent[],
  ticks: number[],
  mode: "incremental" | "baseline",
): Promise<{ stats: TickStats; model: JobModel }> {
  const stats: TickStats = { ms: [], requests: [] };
  let visible: HistoryEvent[] = [];
  let requests = 0;
  const serve: FetchHistoryPage = async (request) => {
    requests += 1;
    return pagedHistory(visible)(request);
  };
  let model = emptyJobModel(ARN);
  let cursor = 0;
  for (const tick of ticks) {
    while (cursor < events.length && (events[cursor]?.timestamp?.getTime() ?? 0) <= tick) cursor += 1;
    visible = events.slice(0, cursor);
    const before = requests;
    const started = performance.now();
    if (mode === "incremental") {
      const read = await readNewEvents(serve, ARN, model.lastEventId, { pageSize: PAGE });
      model = applyEvents(model, read.events);
    } else {
      const read = await readNewEvents(serve, ARN, 0, { pageSize: PAGE });
      model = applyEvents(emptyJobModel(ARN), read.events);
    }
    viewFigures(model, tick);
    stats.ms.push(performance.now() - started);
    stats.requests.push(requests - before);
  }
  return { stats, model };
}

function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

export async function main(args: string[]): Promise<void> {
  const chunks = Number(args[0] ?? 1000);
  const retryOnce = Array.from({ length: chunks }, (_, i) => i).filter((i) => i % 50 === 7);
  const events = syntheticRenderHistory({ chunks, maxConcurrency: 40, retryOnce, seed: 7 });
  const first = events[0]?.timestamp?.getTime() ?? 0;
  const last = events.at(-1)?.timestamp?.getTime() ?? 0;
  const ticks: number[] = [];
  for (let t = first; t <= last + 1000; t += 1000) ticks.push(t);

  // Warm up both paths once (JIT), then measure.
  await run(events.slice(0, 2000), ticks.slice(0, 20), "incremental");
  await run(events.slice(0, 2000), ticks.slice(0, 20), "baseline");

  const heapBefore = heapUsed();
  const incremental = await run(events, ticks, "incremental");
  const heapAfter = heapUsed();
  const baseline = await run(events, ticks, "baseline");
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const summary = (stats: TickStats) => ({
    ticks: stats.ms.length,
    meanMs: sum(stats.ms) / stats.ms.length,
    p95Ms: quantile(stats.ms, 0.95),
    maxMs: Math.max(...stats.ms),
    totalMs: sum(stats.ms),
    requestsPerTickMax: Math.max(...stats.requests),
    requestsTotal: sum(stats.requests),
  });
  const inc = summary(incremental.stats);
  const base = summary(baseline.stats);
  const steadyRequests = incremental.stats.requests.slice(1);
  const result = {
    chunks,
    events: events.length,
    jobSeconds: Math.round((last - first) / 1000),
    node: process.version,
    incremental: inc,
    baseline: base,
    ratios: {
      meanTickBaselineOverIncremental: base.meanMs / inc.meanMs,
      p95TickBaselineOverIncremental: base.p95Ms / inc.p95Ms,
      requestsBaselineOverIncremental: base.requestsTotal / inc.requestsTotal,
    },
    steadyStateRequestsPerTick: { min: Math.min(...steadyRequests), max: Math.max(...steadyRequests) },
    finalModel: {
      status: incremental.model.status,
      done: incremental.model.counts.done,
      entries: incremental.model.entries.length,
      heapBytes: heapAfter - heapBefore,
      heapBytesPerEvent: (heapAfter - heapBefore) / events.length,
      gcExposed: typeof (globalThis as { gc?: unknown }).gc === "function",
    },
  };
  const out = join(import.meta.dirname, "..", "results", "tui-view-model.json");
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`tui view model: ${chunks} chunks, ${events.length} events, ${inc.ticks} ticks of 1 s`);
  console.log(
    `  incremental: mean ${inc.meanMs.toFixed(3)} ms/tick, p95 ${inc.p95Ms.toFixed(3)}, max ${inc.maxMs.toFixed(2)}; requests/tick ${result.steadyStateRequestsPerTick.min}-${result.steadyStateRequestsPerTick.max} after the first`,
  );
  console.log(
    `  baseline (re-read and re-fold every tick): mean ${base.meanMs.toFixed(3)} ms/tick, p95 ${base.p95Ms.toFixed(3)}, max ${base.maxMs.toFixed(2)}; requests/tick up to ${base.requestsPerTickMax}`,
  );
  console.log(
    `  ratio baseline/incremental: mean ${result.ratios.meanTickBaselineOverIncremental.toFixed(1)}x, p95 ${result.ratios.p95TickBaselineOverIncremental.toFixed(1)}x, requests ${result.ratios.requestsBaselineOverIncremental.toFixed(1)}x`,
  );
  console.log(
    `  memory: final model holds ~${(result.finalModel.heapBytes / 1024 / 1024).toFixed(1)} MiB (${result.finalModel.heapBytesPerEvent.toFixed(0)} B/event${result.finalModel.gcExposed ? "" : ", without --expose-gc: approximate"})`,
  );
  console.log(`  written to ${out}`);
}
