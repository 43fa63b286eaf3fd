import { access, constants } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { AppError } from "../../handlers/contracts/errors.js";
import { ffmpegPath, ffprobePath } from "../../handlers/shared/binaries.js";
import type { CommandContext, CommandOutcome } from "../cli/command-context.js";
import type { Executor } from "../cli/program.js";
import { resolveTargetKind } from "../target/target-kind.js";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function executableCheck(name: string, resolvePath: () => string): Promise<Check> {
  try {
    const path = resolvePath();
    await access(path, constants.X_OK);
    return { name, ok: true, detail: path };
  } catch (err) {
    return { name, ok: false, detail: `not found or not executable: ${(err as Error).message}` };
  }
}

function moduleCheck(name: string, specifier: string): Check {
  try {
    return { name, ok: true, detail: fileURLToPath(import.meta.resolve(specifier)) };
  } catch {
    return { name, ok: false, detail: `package ${specifier} is not installed; run npm ci` };
  }
}

/** Checks what the main job needs on this machine: Node 22, the bundled ffmpeg/ffprobe and Chromium. */
export async function doctor(ctx: CommandContext): Promise<CommandOutcome> {
  const target = resolveTargetKind(ctx.globals.target, ctx.env);
  const major = Number(process.versions.node.split(".")[0]);
  const checks: Check[] = [
    {
      name: "node",
      ok: major >= 22,
      detail: `${process.version}${major >= 22 ? "" : " (Lambda runs nodejs22.x: run through npx or npm scripts to use the pinned Node 22)"}`,
    },
    await executableCheck("ffmpeg", () => ffmpegPath(ctx.env)),
    await executableCheck("ffprobe", () => ffprobePath(ctx.env)),
    moduleCheck("chromium", "@sparticuz/chromium"),
    moduleCheck("producer", "@hyperframes/producer/distributed"),
  ];
  const failed = checks.filter((check) => !check.ok);
  const document = { status: failed.length === 0 ? "OK" : "FAILED", target, checks };
  const lines = [
    `target: ${target}`,
    ...checks.map((c) => `${c.ok ? "ok  " : "FAIL"} ${c.name.padEnd(9)} ${c.detail}`),
  ];
  if (failed.length > 0) {
    const error = new AppError("DEPENDENCY_MISSING", `missing: ${failed.map((c) => c.name).join(", ")}`);
    return {
      document: { ...document, error: error.toJSON() },
      lines: [...lines, `error ${error.name}: ${error.message}`],
      exitCode: 3,
    };
  }
  return { document, lines, exitCode: 0 };
}

export function registerDoctor(program: Command, execute: Executor): void {
  program
    .command("doctor")
    .description("check that this machine has what jobs need (Node 22, ffmpeg, ffprobe, Chromium)")
    .action(async (_options: unknown, command: Command) => execute(command, (ctx) => doctor(ctx)));
}
