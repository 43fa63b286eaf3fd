import type { Command } from "commander";
import type { CliIo, Executor } from "../cli/program.js";
import { registerCancel } from "./cancel.js";
import { registerCost } from "./cost.js";
import { registerDoctor } from "./doctor.js";
import { registerHistory } from "./history.js";
import { interactive } from "./interactive.js";
import { registerInvoke } from "./invoke.js";
import { registerJobs } from "./jobs.js";
import { registerLocal } from "./local.js";
import { registerRender } from "./render.js";
import { registerTranscode } from "./transcode.js";
import { registerVideos } from "./videos.js";
import { registerWatch } from "./watch.js";

/**
 * Every subcommand, one module each. Add a command by writing `tui/commands/<name>.ts` exporting
 * `register<Name>(program, execute, io)` and listing it here.
 */
export function registerCommands(program: Command, execute: Executor, io: CliIo): void {
  registerDoctor(program, execute);
  registerRender(program, execute);
  registerLocal(program, execute, io);
  registerInvoke(program, execute);
  registerTranscode(program, execute);
  registerJobs(program, execute);
  registerWatch(program, execute);
  registerHistory(program, execute);
  registerCancel(program, execute);
  registerCost(program, execute);
  registerVideos(program, execute);
  program.allowExcessArguments(true).action((_options: unknown, command: Command) => {
    const [unknown] = command.args;
    if (unknown !== undefined) {
      program.error(`error: unknown command '${unknown}'`, { exitCode: 2, code: "commander.unknownCommand" });
    }
    // No subcommand: the interactive UI in a terminal, help otherwise.
    if (io.stdout.isTTY !== true || io.stdin.isTTY !== true) {
      program.outputHelp({ error: true });
      return;
    }
    return execute(command, (ctx) => interactive(ctx));
  });
}
