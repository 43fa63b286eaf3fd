import type { Command } from "commander";
import { AppError } from "../../handlers/contracts/errors.js";
import type { CommandContext, CommandOutcome } from "../cli/command-context.js";
import type { Executor } from "../cli/program.js";
import { historyLine } from "../format/job-summary.js";
import { entryDetails, filterEntries, type HistoryFilter } from "../history/job-model.js";
import { loadJob, resolveJob } from "../services/jobs.js";
import { connect } from "../target/connect.js";

interface HistoryOptions {
  errors?: boolean;
  chunk?: string;
  state?: string;
  details?: boolean;
}

export function parseHistoryFilter(options: HistoryOptions): HistoryFilter {
  let chunk: number | undefined;
  if (options.chunk !== undefined) {
    chunk = Number(options.chunk);
    if (!Number.isInteger(chunk) || chunk < 0)
      throw new AppError("USAGE_ERROR", `--chunk must be a chunk index (0, 1, ...), got ${options.chunk}`);
  }
  return {
    ...(options.errors ? { errorsOnly: true } : {}),
    ...(chunk !== undefined ? { chunk } : {}),
    ...(options.state ? { state: options.state } : {}),
  };
}

/** A job's Step Functions history, filtered: errors only, one chunk, one state. */
export async function history(
  ctx: CommandContext,
  job: string,
  options: HistoryOptions,
): Promise<CommandOutcome> {
  const filter = parseHistoryFilter(options);
  const conn = await connect(ctx);
  try {
    const { executionArn } = await resolveJob(conn.sfn, conn.endpoints, job);
    const model = await loadJob(conn.sfn, executionArn, ctx.signal);
    const entries = filterEntries(model.entries, filter);
    const lines = entries.flatMap((entry) => [
      historyLine(entry),
      ...(options.details
        ? entryDetails(entry)
            .split("\n")
            .map((line) => `        ${line}`)
        : []),
    ]);
    return {
      document: {
        status: model.status,
        jobId: model.jobId ?? model.videoId ?? job,
        executionArn,
        filter,
        eventCount: model.eventCount,
        events: entries,
      },
      lines,
      exitCode: 0,
    };
  } finally {
    await conn.close();
  }
}

export function registerHistory(program: Command, execute: Executor): void {
  program
    .command("history")
    .description("show a job's Step Functions history (filter: errors only, one chunk, one state)")
    .argument("<job>", "job id (render job id or video id) or execution ARN")
    .option("--errors", "only events that carry an error")
    .option("--chunk <index>", "only the events of one chunk (Map iteration)")
    .option("--state <name>", "only the events of one state (e.g. Plan, RenderChunk, Assemble)")
    .option("--details", "print each event's details")
    .action(async (job: string, options: HistoryOptions, command: Command) =>
      execute(command, (ctx) => history(ctx, job, options)),
    );
}
