import { ERRORS, isErrorName } from "../../handlers/contracts/errors.js";
import { type CostBreakdown, formatUsd } from "../../handlers/shared/cost-model.js";
import {
  causeMessage,
  elapsedMs,
  etaSeconds,
  type HistoryEntry,
  type JobModel,
  jobCost,
  progressFraction,
  slowestChunks,
} from "../history/job-model.js";
import { formatBytes, formatDuration } from "../services/transfer.js";

/** Plain-text and JSON renderings of a job model (no colour, no cursor codes): for logs and --json. */

export function jobDocument(model: JobModel, now: number): Record<string, unknown> {
  const cost = jobCost(model);
  return {
    jobId: model.jobId ?? model.videoId ?? model.executionArn.split(":").at(-1),
    kind: model.kind,
    executionArn: model.executionArn,
    status: model.status,
    ...(model.startedAt ? { startedAt: new Date(model.startedAt).toISOString() } : {}),
    ...(model.stoppedAt ? { stoppedAt: new Date(model.stoppedAt).toISOString() } : {}),
    elapsedSeconds: Math.round(elapsedMs(model, now) / 100) / 10,
    progress: Math.round(progressFraction(model) * 1000) / 10,
    ...(model.kind === "render"
      ? {
          frames: { done: model.framesDone, total: model.totalFrames ?? null },
          chunks: { total: model.chunkCount ?? null, ...model.counts },
          slowestChunks: slowestChunks(model, now, 3),
          output: model.outputUri ?? null,
          ...(model.outputBytes !== undefined ? { outputBytes: model.outputBytes } : {}),
        }
      : {
          videoId: model.videoId ?? null,
          fileName: model.fileName ?? null,
          steps: model.steps.map((s) => s.name),
        }),
    errors: model.errors.map((e) => ({
      eventId: e.eventId,
      state: e.state ?? null,
      chunk: e.chunk ?? null,
      name: e.name,
      cause: causeMessage(e.cause),
    })),
    cost: costDocument(cost),
    ...(model.status !== "RUNNING" && model.status !== "SUCCEEDED" ? { error: jobError(model) } : {}),
  };
}

/** The `{name, message}` of a job that did not succeed, in the registry's words. */
export function jobError(model: JobModel): { name: string; message: string } {
  if (model.status === "ABORTED")
    return { name: "JOB_CANCELLED", message: "The job was stopped before it finished." };
  if (model.status === "TIMED_OUT")
    return { name: "JOB_TIMED_OUT", message: "The job passed the state machine's timeout." };
  const cause = model.executionError;
  if (cause && isErrorName(cause.name))
    return { name: cause.name, message: causeMessage(cause.cause) || ERRORS[cause.name].hint };
  return {
    name: "JOB_FAILED",
    message: cause ? `${cause.name}: ${causeMessage(cause.cause)}` : "The job failed.",
  };
}

export function costDocument(cost: CostBreakdown): Record<string, unknown> {
  return {
    totalUsd: cost.totalUsd,
    lines: cost.lines.map((line) => ({
      item: line.item,
      quantity: line.quantity,
      unit: line.unit,
      usd: line.usd,
      detail: line.detail,
    })),
    assumptions: cost.assumptions,
    notCounted: cost.notCounted,
  };
}

export function costLines(cost: CostBreakdown, title: string): string[] {
  return [
    `${title}: ${formatUsd(cost.totalUsd)}`,
    ...cost.lines.map(
      (line) =>
        `  ${line.item.padEnd(15)} ${formatUsd(line.usd).padStart(10)}  ${formatQuantity(line.quantity)} ${line.unit} (${line.detail})`,
    ),
    ...(cost.assumptions.length > 0 ? ["  assumptions:", ...cost.assumptions.map((a) => `    - ${a}`)] : []),
    `  not counted: ${cost.notCounted.join("; ")}`,
  ];
}

const formatQuantity = (value: number): string =>
  Number.isInteger(value) ? String(value) : value >= 100 ? value.toFixed(0) : value.toFixed(2);

/** One status line, used by `watch` without a TTY each time something changes. */
export function progressLine(model: JobModel, now: number): string {
  const elapsed = formatDuration(elapsedMs(model, now) / 1000);
  if (model.kind === "render" && model.chunkCount !== undefined) {
    const c = model.counts;
    const frames = model.totalFrames !== undefined ? ` frames ${model.framesDone}/${model.totalFrames}` : "";
    return `${model.status} ${(progressFraction(model) * 100).toFixed(0)}%${frames} chunks done ${c.done}/${model.chunkCount} running ${c.running} retrying ${c.retrying} failed ${c.failed} elapsed ${elapsed} eta ${formatDuration(etaSeconds(model, now))} cost ${formatUsd(jobCost(model).totalUsd)}`;
  }
  const step = model.steps.at(-1)?.name ?? "starting";
  return `${model.status} step ${step} elapsed ${elapsed} cost ${formatUsd(jobCost(model).totalUsd)}`;
}

export function summaryLines(model: JobModel, now: number): string[] {
  const lines = [
    `job ${model.jobId ?? model.videoId ?? model.executionArn} (${model.kind}) ${model.status} in ${formatDuration(elapsedMs(model, now) / 1000)}`,
  ];
  if (model.kind === "render" && model.chunkCount !== undefined) {
    lines.push(
      `chunks ${model.counts.done}/${model.chunkCount} done, ${model.counts.failed} failed; frames ${model.framesDone}/${model.totalFrames ?? "?"}`,
    );
    const slow = slowestChunks(model, now, 3);
    if (slow.length > 0) {
      lines.push(
        `slowest chunks: ${slow.map((s) => `#${s.index} ${(s.durationMs / 1000).toFixed(1)}s`).join(", ")}`,
      );
    }
  }
  for (const error of model.errors.slice(-5)) {
    lines.push(
      `error ${error.name}${error.chunk !== undefined ? ` chunk ${error.chunk}` : ""}${error.state ? ` in ${error.state}` : ""}: ${causeMessage(error.cause)}`,
    );
  }
  if (model.status === "SUCCEEDED" && model.outputUri) {
    lines.push(
      `output ${model.outputUri}${model.outputBytes !== undefined ? ` (${formatBytes(model.outputBytes)})` : ""}`,
    );
  }
  lines.push(
    `cost ${formatUsd(jobCost(model).totalUsd)} (accrued; \`hyperframes-tui cost <job>\` for the breakdown)`,
  );
  return lines;
}

export function historyLine(entry: HistoryEntry): string {
  const time = new Date(entry.timestamp).toISOString().slice(11, 23);
  const where = [entry.state, entry.chunk !== undefined ? `chunk ${entry.chunk}` : undefined]
    .filter(Boolean)
    .join(" ");
  return `${String(entry.id).padStart(5)} ${time} ${entry.type.padEnd(22)} ${where.padEnd(22)} ${entry.summary}`;
}
