import type { Command } from "commander";
import { AppError } from "../../handlers/contracts/errors.js";
import { RENDER_LIMITS } from "../../handlers/contracts/render-config.js";
import { estimateMediaCost, estimateRenderCost } from "../../handlers/shared/cost-model.js";
import type { CommandContext, CommandOutcome } from "../cli/command-context.js";
import type { Executor } from "../cli/program.js";
import { costDocument, costLines } from "../format/job-summary.js";
import { jobCost } from "../history/job-model.js";
import { loadJob, resolveJob } from "../services/jobs.js";
import { getVideoStatus } from "../services/videos.js";
import { connect } from "../target/connect.js";

interface CostOptions {
  frames?: string;
  width?: string;
  height?: string;
  chunkSize?: string;
  secondsPerFrame?: string;
  memory?: string;
  videoSeconds?: string;
  transcribe?: boolean;
}

function positive(value: string | undefined, flag: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new AppError("USAGE_ERROR", `${flag} is required for an estimate`);
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new AppError("USAGE_ERROR", `${flag} must be a positive number, got ${value}`);
  return parsed;
}

/** Accrued cost of a job (also failed/cancelled), or an estimate from a config when no job is given. */
export async function cost(
  ctx: CommandContext,
  job: string | undefined,
  options: CostOptions,
): Promise<CommandOutcome> {
  if (job === undefined) {
    const estimate =
      options.videoSeconds !== undefined
        ? estimateMediaCost({
            durationSeconds: positive(options.videoSeconds, "--video-seconds"),
            transcribe: options.transcribe === true,
            ...(options.memory ? { memoryMb: positive(options.memory, "--memory") } : {}),
          })
        : estimateRenderCost({
            totalFrames: positive(options.frames, "--frames"),
            width: positive(options.width, "--width", 1920),
            height: positive(options.height, "--height", 1080),
            chunkSize: positive(options.chunkSize, "--chunk-size", RENDER_LIMITS.defaultChunkSize),
            ...(options.memory ? { memoryMb: positive(options.memory, "--memory") } : {}),
            ...(options.secondsPerFrame
              ? { model: { secondsPerFrameAt720p: positive(options.secondsPerFrame, "--seconds-per-frame") } }
              : {}),
          });
    return {
      document: { status: "OK", kind: "estimate", cost: costDocument(estimate) },
      lines: costLines(estimate, "estimate"),
      exitCode: 0,
    };
  }
  const conn = await connect(ctx);
  try {
    const { executionArn, kind } = await resolveJob(conn.sfn, conn.endpoints, job);
    const model = await loadJob(conn.sfn, executionArn, ctx.signal);
    let transcribeSeconds: number | undefined;
    if (kind === "media" && model.videoId) {
      const status = await getVideoStatus(conn.s3, conn.endpoints.bucket, model.videoId);
      if (status?.durationSeconds && (status.assets?.subtitles.length ?? 0) > 0)
        transcribeSeconds = status.durationSeconds;
    }
    const accrued = jobCost(model, transcribeSeconds ? { transcribeSeconds } : {});
    return {
      document: {
        status: model.status,
        kind: "accrued",
        jobId: job,
        executionArn,
        cost: costDocument(accrued),
      },
      lines: costLines(accrued, `accrued (${model.status})`),
      exitCode: 0,
    };
  } finally {
    await conn.close();
  }
}

export function registerCost(program: Command, execute: Executor): void {
  program
    .command("cost")
    .description("cost accrued by a job (also failed or cancelled), or an estimate for a render/media config")
    .argument("[job]", "job id or execution ARN; omit for an estimate")
    .option("--frames <n>", "estimate: total frames of the composition")
    .option("--width <px>", "estimate: width (default 1920)")
    .option("--height <px>", "estimate: height (default 1080)")
    .option("--chunk-size <frames>", `estimate: frames per chunk (default ${RENDER_LIMITS.defaultChunkSize})`)
    .option("--seconds-per-frame <s>", "estimate: measured seconds per 1280x720 frame")
    .option("--memory <mb>", "estimate: function memory in MB")
    .option("--video-seconds <s>", "estimate a media job for a video this long instead")
    .option("--transcribe", "estimate: include Amazon Transcribe")
    .action(async (job: string | undefined, options: CostOptions, command: Command) =>
      execute(command, (ctx) => cost(ctx, job, options)),
    );
}
