import type { Command } from "commander";
import { AppError } from "../../handlers/contracts/errors.js";
import { formatUsd } from "../../handlers/shared/cost-model.js";
import type { CommandContext, CommandOutcome } from "../cli/command-context.js";
import type { Executor } from "../cli/program.js";
import { elapsedMs, jobCost, progressFraction } from "../history/job-model.js";
import { listJobs, loadJob } from "../services/jobs.js";
import { formatDuration } from "../services/transfer.js";
import { connect } from "../target/connect.js";

interface JobsOptions {
  limit?: string;
  kind?: string;
}

/** Recent render and media jobs with status, progress, elapsed time and cost so far. */
export async function jobs(ctx: CommandContext, options: JobsOptions): Promise<CommandOutcome> {
  const limit = options.limit === undefined ? 20 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new AppError("USAGE_ERROR", `--limit must be a whole number from 1 to 100, got ${options.limit}`);
  }
  const conn = await connect(ctx);
  try {
    const all = await listJobs(conn.sfn, conn.endpoints, { limit, signal: ctx.signal });
    const listed = options.kind ? all.filter((job) => job.kind === options.kind) : all;
    const now = Date.now();
    const rows = [];
    for (const job of listed) {
      const model = await loadJob(conn.sfn, job.executionArn, ctx.signal);
      rows.push({
        jobId: job.jobId,
        kind: job.kind,
        executionArn: job.executionArn,
        status: job.status,
        startedAt: new Date(job.startedAt).toISOString(),
        elapsedSeconds: Math.round(
          elapsedMs(
            { ...model, startedAt: job.startedAt, ...(job.stoppedAt ? { stoppedAt: job.stoppedAt } : {}) },
            now,
          ) / 1000,
        ),
        progress: Math.round(progressFraction({ ...model, status: job.status }) * 100),
        costUsd: jobCost(model).totalUsd,
      });
    }
    const lines =
      rows.length === 0
        ? [
            "no jobs yet: start one with `hyperframes-tui render <project>` or `hyperframes-tui transcode <video>`",
          ]
        : rows.map(
            (r) =>
              `${r.jobId.padEnd(34)} ${r.kind.padEnd(6)} ${r.status.padEnd(9)} ${String(r.progress).padStart(3)}% ${formatDuration(r.elapsedSeconds).padStart(8)} ${formatUsd(r.costUsd)}`,
          );
    return { document: { status: "OK", jobs: rows }, lines, exitCode: 0 };
  } finally {
    await conn.close();
  }
}

export function registerJobs(program: Command, execute: Executor): void {
  program
    .command("jobs")
    .description("list recent render and media jobs with status, progress, elapsed time and cost so far")
    .option("--limit <n>", "how many jobs (1-100)", "20")
    .option("--kind <kind>", "only render or media jobs")
    .action(async (options: JobsOptions, command: Command) => execute(command, (ctx) => jobs(ctx, options)));
}
