import type { Command } from "commander";
import { AppError } from "../../handlers/contracts/errors.js";
import type { RenderConfigInput } from "../../handlers/contracts/render-config.js";
import { estimateRenderCost } from "../../handlers/shared/cost-model.js";
import type { CommandContext, CommandOutcome } from "../cli/command-context.js";
import type { ExitCode } from "../cli/exit-codes.js";
import type { Executor } from "../cli/program.js";
import { costDocument } from "../format/job-summary.js";
import { type JobModel, jobCost } from "../history/job-model.js";
import { type RenderJobResult, runRenderJob } from "../jobs/render-job.js";
import { formatBytes } from "../services/transfer.js";
import { connect } from "../target/connect.js";

export interface RenderFlags {
  out?: string;
  fps?: string;
  width?: string;
  height?: string;
  chunkSize?: string;
  maxParallel?: string;
  format?: string;
  quality?: string;
}

/** A numeric flag as given: a number when it parses, else the text (so the schema names the field). */
const numeric = (value: string | undefined): number | string | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  return value.trim() !== "" && Number.isFinite(n) ? n : value;
};

/** CLI flags to the render config (validated later with RenderConfigSchema: the error names the field). */
export function configFromFlags(flags: RenderFlags): RenderConfigInput {
  const config: Record<string, unknown> = {
    fps: numeric(flags.fps),
    width: numeric(flags.width),
    height: numeric(flags.height),
    chunkSize: numeric(flags.chunkSize),
    maxParallelChunks: numeric(flags.maxParallel),
    format: flags.format,
    quality: flags.quality,
  };
  for (const key of Object.keys(config)) if (config[key] === undefined) delete config[key];
  return config as RenderConfigInput;
}

function progressLine(model: JobModel): string | undefined {
  if (model.chunkCount === undefined) return undefined;
  const c = model.counts;
  const frames = model.totalFrames !== undefined ? ` frames ${model.framesDone}/${model.totalFrames}` : "";
  return `chunks ${c.done}/${model.chunkCount} done, ${c.running} running${c.retrying ? `, ${c.retrying} retrying` : ""}${c.failed ? `, ${c.failed} failed` : ""};${frames}`;
}

/** The one JSON document of `render --json`. */
export function renderDocument(result: RenderJobResult): Record<string, unknown> {
  const { model } = result;
  const totalFrames = model.totalFrames;
  const width = model.width ?? result.config.width;
  const height = model.height ?? result.config.height;
  const estimate =
    totalFrames !== undefined && width !== undefined && height !== undefined
      ? costDocument(estimateRenderCost({ totalFrames, width, height, chunkSize: result.config.chunkSize }))
      : null;
  return {
    jobId: result.jobId,
    executionArn: result.executionArn,
    status: result.status,
    output: result.output
      ? { path: result.output.path, bytes: result.output.bytes, sha256: result.output.sha256 }
      : null,
    outputS3Uri: result.outputS3Uri,
    frames: totalFrames ?? null,
    chunks: model.chunkCount ?? null,
    fps: model.fps ?? result.config.fps ?? null,
    width: width ?? null,
    height: height ?? null,
    format: result.config.format,
    wallTimeSeconds: Math.round(result.wallTimeMs / 100) / 10,
    project: result.project,
    cost: { estimated: estimate, accrued: costDocument(jobCost(model)) },
    ...(result.error ? { error: result.error } : {}),
  };
}

export async function render(
  ctx: CommandContext,
  projectDir: string,
  flags: RenderFlags,
): Promise<CommandOutcome> {
  const config = configFromFlags(flags);
  const connection = await connect(ctx);
  let lastLine = "";
  // In a terminal: the live job view (TUI issue #8), fed by this command's own poll loop.
  const live = ctx.mode === "interactive" ? await import("../app/live-job-view.js") : undefined;
  let view: ReturnType<NonNullable<typeof live>["startJobFeedView"]> | undefined;
  try {
    const result = await runRenderJob(
      connection,
      { projectDir, config, cwd: ctx.cwd, signal: ctx.signal, ...(flags.out ? { outPath: flags.out } : {}) },
      {
        onPhase: (phase, detail) => {
          if (live && phase === "running" && !view) view = live.startJobFeedView(ctx, connection, detail);
          else if (!view?.open()) ctx.diagnostic(`${phase}: ${detail}`);
        },
        onProgress: (model) => {
          if (view?.open()) return view.push(model);
          const line = progressLine(model);
          if (line && line !== lastLine) {
            lastLine = line;
            ctx.diagnostic(line);
          }
        },
      },
    );
    await view?.close();
    const document = renderDocument(result);
    const exitCode: ExitCode = result.status === "SUCCEEDED" ? 0 : 1;
    const lines =
      result.output !== undefined
        ? [
            `${result.status} ${result.jobId}: ${result.output.path} (${formatBytes(result.output.bytes)}, ${document.frames} frames in ${document.chunks} chunks, ${document.wallTimeSeconds} s)`,
          ]
        : [`${result.status} ${result.jobId}: ${result.error?.name}: ${result.error?.message}`];
    return { document, lines, exitCode };
  } finally {
    await view?.close();
    await connection.close();
  }
}

export function registerRender(program: Command, execute: Executor): void {
  program
    .command("render")
    .description(
      "render a HyperFrames composition folder in parallel (Plan, chunks, Assemble) and download the result",
    )
    .argument("<project>", "the composition's project folder (with index.html at its root)")
    .option("--out <file>", "where to write the result (default: out/<name>-<job id>.<format>)")
    .option("--fps <n>", "frames per second: 24, 30 or 60 (default: the composition's)")
    .option("--width <px>", "output width, even (with --height; default: the composition's)")
    .option("--height <px>", "output height, even (with --width)")
    .option("--chunk-size <frames>", "frames per chunk (10-3600, default 240)")
    .option("--max-parallel <n>", "chunks rendering at once (1-40, default 16)")
    .option("--format <format>", "mp4, mov or webm (default mp4)")
    .option("--quality <quality>", "draft, standard or high (default standard)")
    .action(async (project: string, flags: RenderFlags, command: Command) => {
      await execute(command, (ctx) => {
        if (!project) throw new AppError("USAGE_ERROR", "give the project folder");
        return render(ctx, project, flags);
      });
    });
}
