import { AppError, toAppError } from "../../handlers/contracts/errors.js";
import type { CommandContext, CommandOutcome } from "./command-context.js";
import { classifyInfrastructureError, exitCodeFor } from "./exit-codes.js";

/** Prints an outcome in the context's mode. */
export function printOutcome(ctx: CommandContext, outcome: CommandOutcome): void {
  if (ctx.mode === "json") {
    ctx.stdout.write(`${JSON.stringify(outcome.document, null, 2)}\n`);
    return;
  }
  for (const line of outcome.lines) ctx.stdout.write(`${line}\n`);
}

/** The outcome for an error that escaped a command: `{status: "FAILED", error: {name, message}}`. */
export function errorOutcome(err: unknown): CommandOutcome {
  const appError = classifyInfrastructureError(err) ?? toAppError(err);
  return {
    document: { status: "FAILED", error: appError.toJSON() },
    lines: [],
    exitCode: exitCodeFor(appError),
  };
}

/** Writes the error for a human on stderr: the message, then what to do about it. */
export function reportError(ctx: CommandContext, err: unknown): void {
  const appError = err instanceof AppError ? err : (classifyInfrastructureError(err) ?? toAppError(err));
  ctx.stderr.write(`error ${appError.name}: ${appError.message}\n`);
  ctx.stderr.write(`  ${appError.hint}\n`);
  if (ctx.env.HYPERFRAMES_DEBUG && appError.cause instanceof Error && appError.cause.stack) {
    ctx.stderr.write(`${appError.cause.stack}\n`);
  }
}

/** Runs a command body, turning any throw into the right output and exit code. */
export async function runCommand(
  ctx: CommandContext,
  body: () => Promise<CommandOutcome>,
): Promise<CommandOutcome> {
  let outcome: CommandOutcome;
  try {
    outcome = await body();
  } catch (err) {
    outcome = errorOutcome(err);
    if (ctx.mode !== "json") reportError(ctx, err);
  }
  printOutcome(ctx, outcome);
  return outcome;
}
