import type { Command } from "commander";
import type { CliIo, Executor } from "../cli/program.js";
import { registerDoctor } from "./doctor.js";
import { registerRender } from "./render.js";

/**
 * Every subcommand, one module each. Add a command by writing `tui/commands/<name>.ts` exporting
 * `register<Name>(program, execute, io)` and listing it here.
 */
export function registerCommands(program: Command, execute: Executor, io: CliIo): void {
  registerDoctor(program, execute);
  registerRender(program, execute);
  program.allowExcessArguments(true).action((_options: unknown, command: Command) => {
    const [unknown] = command.args;
    if (unknown !== undefined) {
      program.error(`error: unknown command '${unknown}'`, { exitCode: 2, code: "commander.unknownCommand" });
    }
    // No subcommand: the interactive UI lands with the TUI issue (#8); until then, show help.
    program.outputHelp({ error: io.stdout.isTTY !== true });
  });
}
