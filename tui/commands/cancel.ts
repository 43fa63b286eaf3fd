import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import type { CommandContext, CommandOutcome } from "../cli/command-context.js";
import type { Executor } from "../cli/program.js";
import { cancelJob, resolveJob } from "../services/jobs.js";
import { connect } from "../target/connect.js";

/** StopExecution on a job. In a terminal it asks first (unless --yes); without one it never prompts. */
export async function cancel(
  ctx: CommandContext,
  job: string,
  options: { yes?: boolean },
): Promise<CommandOutcome> {
  const conn = await connect(ctx);
  try {
    const { executionArn, description } = await resolveJob(conn.sfn, conn.endpoints, job);
    const status = description.status ?? "RUNNING";
    if (status !== "RUNNING") {
      return {
        document: { status, jobId: job, executionArn, cancelled: false },
        lines: [`job ${job} already ended: ${status}`],
        exitCode: 0,
      };
    }
    if (ctx.mode === "interactive" && !options.yes) {
      const rl = createInterface({ input: ctx.stdin, output: ctx.stderr as NodeJS.WritableStream });
      const answer = await rl.question(`Stop job ${job}? Work done so far is still billed. [y/N] `);
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        return {
          document: { status, jobId: job, executionArn, cancelled: false },
          lines: ["not cancelled"],
          exitCode: 0,
        };
      }
    }
    await cancelJob(conn.sfn, executionArn);
    return {
      document: { status: "ABORTED", jobId: job, executionArn, cancelled: true },
      lines: [`cancelled ${job} (${executionArn})`],
      exitCode: 0,
    };
  } finally {
    await conn.close();
  }
}

export function registerCancel(program: Command, execute: Executor): void {
  program
    .command("cancel")
    .description("stop a running job (StopExecution); asks first in a terminal")
    .argument("<job>", "job id (render job id or video id) or execution ARN")
    .option("-y, --yes", "do not ask")
    .action(async (job: string, options: { yes?: boolean }, command: Command) =>
      execute(command, (ctx) => cancel(ctx, job, options)),
    );
}
