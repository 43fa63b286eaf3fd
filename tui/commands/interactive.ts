import type { CommandContext, CommandOutcome } from "../cli/command-context.js";
import { connect } from "../target/connect.js";

/** `hyperframes-tui` alone in a terminal: the Ink app (jobs, videos, new job, job view, history). */
export async function interactive(ctx: CommandContext): Promise<CommandOutcome> {
  if (ctx.mode !== "interactive") {
    return {
      document: { status: "OK" },
      lines: ["run a command (see --help); the interactive UI needs a terminal"],
      exitCode: 0,
    };
  }
  const conn = await connect(ctx);
  try {
    const { runInteractive } = await import("../app/live-job-view.js");
    await runInteractive(ctx, conn);
    return { document: { status: "OK" }, lines: [], exitCode: 0 };
  } finally {
    await conn.close();
  }
}
