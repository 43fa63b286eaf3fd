import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { AppError } from "../../handlers/contracts/errors.js";
import { dataDir } from "../../local/discovery.js";
import { InvocationError } from "../../local/workers/worker-pool.js";
import type { CommandContext, CommandOutcome } from "../cli/command-context.js";
import type { Executor } from "../cli/program.js";
import { resolveTargetKind } from "../target/target-kind.js";

async function readEvent(ctx: CommandContext, file: string): Promise<unknown> {
  let text: string;
  try {
    if (file === "-") {
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.stdin) chunks.push(Buffer.from(chunk as Buffer));
      text = Buffer.concat(chunks).toString("utf8");
    } else {
      text = await readFile(resolve(ctx.cwd, file), "utf8");
    }
  } catch (err) {
    throw new AppError("USAGE_ERROR", `Cannot read the event ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AppError("INVALID_EVENT", `The event ${file} is not JSON: ${(err as Error).message}`);
  }
}

/** `invoke <function> <event.json>`: one handler run on the local cloud, like `sam local invoke`. */
export async function invoke(
  ctx: CommandContext,
  functionName: string,
  eventFile: string,
): Promise<CommandOutcome> {
  if (resolveTargetKind(ctx.globals.target, ctx.env) !== "local") {
    throw new AppError("USAGE_ERROR", "invoke runs functions on the local cloud only; drop --target aws");
  }
  const event = await readEvent(ctx, eventFile);
  const { invokeLocalFunction } = await import("../../local/invoke.js");
  try {
    const result = await invokeLocalFunction({
      dataDir: dataDir(ctx.env, ctx.cwd),
      functionName,
      event,
      log: (line) => ctx.diagnostic(line),
    });
    return {
      document: { status: "SUCCEEDED", function: functionName, result },
      lines: [JSON.stringify(result, null, 2)],
      exitCode: 0,
    };
  } catch (err) {
    if (!(err instanceof InvocationError)) throw err;
    const error = { name: err.errorType, message: err.message };
    return {
      document: { status: "FAILED", function: functionName, error },
      lines: [`${functionName} failed: ${error.name}: ${error.message}`],
      exitCode: 1,
    };
  }
}

export function registerInvoke(program: Command, execute: Executor): void {
  program
    .command("invoke")
    .description("run one function (render, media, api) once on the local cloud with a sample event")
    .argument("<function>", "render, media or api")
    .argument("<event>", "the event as a JSON file (- reads stdin); samples in fixtures/events")
    .action(async (functionName: string, eventFile: string, _flags: unknown, command: Command) =>
      execute(command, (ctx) => invoke(ctx, functionName, eventFile)),
    );
}
