import type { Command } from "commander";
import type { CommandContext, CommandOutcome } from "../cli/command-context.js";
import type { Executor } from "../cli/program.js";
import { jobDocument, jobError, progressLine, summaryLines } from "../format/job-summary.js";
import { sfnHistoryPages } from "../history/history-reader.js";
import { emptyJobModel, type JobModel } from "../history/job-model.js";
import { followJob } from "../services/follow.js";
import { memoryFromEnv, resolveJob } from "../services/jobs.js";
import { type Connection, connect } from "../target/connect.js";

/** The outcome for a finished (or interrupted) job: exit 0 only when it SUCCEEDED. */
export function jobOutcome(
  model: JobModel,
  extra: Record<string, unknown> = {},
  extraLines: string[] = [],
): CommandOutcome {
  const now = Date.now();
  const document = { ...jobDocument(model, now), ...extra };
  const lines = [...summaryLines(model, now), ...extraLines];
  if (model.status === "SUCCEEDED") return { document, lines, exitCode: 0 };
  if (model.status === "RUNNING") {
    return {
      document: { ...document, status: "RUNNING" },
      lines: [...lines, "still running: stopped watching"],
      exitCode: 0,
    };
  }
  return { document: { ...document, error: jobError(model) }, lines, exitCode: 1 };
}

/**
 * Follows a job to its end: the live job view in a terminal, a line per change without one, a final
 * document with --json.
 */
export async function followToEnd(
  ctx: CommandContext,
  conn: Connection,
  executionArn: string,
): Promise<JobModel> {
  const fetchPage = sfnHistoryPages(conn.sfn);
  const memoryMb = memoryFromEnv(ctx.env);
  if (ctx.mode === "interactive") {
    const { runLiveJobView } = await import("../app/live-job-view.js");
    return runLiveJobView({ ctx, conn, executionArn, memoryMb });
  }
  let lastLine = "";
  return followJob(fetchPage, emptyJobModel(executionArn), {
    signal: ctx.signal,
    memoryMb,
    onUpdate: (model) => {
      const line = progressLine(model, Date.now()).replace(/ elapsed .*? (eta|cost)/, " $1");
      if (line !== lastLine && ctx.mode === "plain") ctx.diagnostic(progressLine(model, Date.now()));
      lastLine = line;
    },
    onBackoff: (err, delay) =>
      ctx.diagnostic(`poll failed (${(err as Error).name}); retrying in ${Math.round(delay / 1000)} s`),
  });
}

export async function watch(ctx: CommandContext, job: string): Promise<CommandOutcome> {
  const conn = await connect(ctx);
  try {
    const { executionArn } = await resolveJob(conn.sfn, conn.endpoints, job);
    const model = await followToEnd(ctx, conn, executionArn);
    return jobOutcome(model);
  } finally {
    await conn.close();
  }
}

export function registerWatch(program: Command, execute: Executor): void {
  program
    .command("watch")
    .description("follow a job until it ends: live view in a terminal, progress lines otherwise")
    .argument("<job>", "job id (render job id or video id) or execution ARN")
    .action(async (job: string, _options: unknown, command: Command) =>
      execute(command, (ctx) => watch(ctx, job)),
    );
}
