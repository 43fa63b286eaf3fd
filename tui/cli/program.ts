import type { Writable } from "node:stream";
import { Command, CommanderError, Option } from "commander";
import { AppError } from "../../handlers/contracts/errors.js";
import { registerCommands } from "../commands/index.js";
import type { CommandContext, CommandOutcome, GlobalOptions } from "./command-context.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { decideOutputMode } from "./output-mode.js";
import { errorOutcome, printOutcome, reportError, runCommand } from "./run-command.js";

export interface CliIo {
  argv: readonly string[];
  stdout: Writable & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: Writable;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM by the entry point. */
  signal?: AbortSignal;
}

/** Runs one command and returns its body; commands register themselves through this. */
export type Executor = (
  command: Command,
  body: (ctx: CommandContext) => Promise<CommandOutcome>,
) => Promise<void>;

export function contextFor(io: CliIo, globals: GlobalOptions): CommandContext {
  return {
    mode: decideOutputMode({
      json: globals.json === true,
      stdoutIsTTY: io.stdout.isTTY === true,
      stdinIsTTY: io.stdin.isTTY === true,
      env: io.env,
    }),
    globals,
    env: io.env,
    cwd: io.cwd,
    stdout: io.stdout,
    stderr: io.stderr,
    stdin: io.stdin,
    diagnostic: (line) => io.stderr.write(`${line}\n`),
    signal: io.signal ?? new AbortController().signal,
  };
}

export function buildProgram(io: CliIo, setExitCode: (code: ExitCode) => void): Command {
  const program = new Command("hyperframes-tui");
  program
    .description(
      "Render HyperFrames compositions and run a video streaming pipeline on AWS or on a local cloud.\nWith no command in a terminal, opens the interactive UI.",
    )
    .addOption(
      new Option(
        "--target <target>",
        "where jobs run: local (default) or aws; also HYPERFRAMES_TARGET",
      ).choices(["local", "aws"]),
    )
    .option("--json", "print exactly one JSON document on stdout (also on failure)")
    .option(
      "--outputs-file <file>",
      "deployed stack outputs (cdktf deploy --outputs-file, or terraform output -json)",
    )
    .option("--region <region>", "AWS region (default: the stack outputs, then AWS_REGION)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  const execute: Executor = async (command, body) => {
    const ctx = contextFor(io, command.optsWithGlobals<GlobalOptions>());
    const outcome = await runCommand(ctx, () => body(ctx));
    setExitCode(outcome.exitCode);
  };
  registerCommands(program, execute, io);
  return program;
}

/** Runs the CLI with the given IO and returns the process exit code. */
export async function runCli(io: CliIo): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...io.argv], { from: "user" });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.exitCode === 0) {
        return EXIT.ok;
      }
      const usage = new AppError("USAGE_ERROR", err.message.replace(/^error: /, ""));
      const json = io.argv.includes("--json");
      const ctx = contextFor(io, { json });
      if (json) printOutcome(ctx, errorOutcome(usage));
      return EXIT.usage;
    }
    const ctx = contextFor(io, { json: io.argv.includes("--json") });
    const outcome = errorOutcome(err);
    if (ctx.mode === "json") printOutcome(ctx, outcome);
    else reportError(ctx, err);
    return outcome.exitCode;
  }
}
