import { stat } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import { DescribeExecutionCommand } from "@aws-sdk/client-sfn";
import type { Command } from "commander";
import { PROCESSED_FILES, processedPrefix } from "../../handlers/contracts/bucket-layout.js";
import { AppError } from "../../handlers/contracts/errors.js";
import { mediaExecutionName } from "../../handlers/contracts/ids.js";
import type { CommandContext, CommandOutcome } from "../cli/command-context.js";
import type { Executor } from "../cli/program.js";
import { sleep } from "../services/follow.js";
import { executionArn } from "../services/jobs.js";
import {
  formatBytes,
  formatDuration,
  type TransferProgress,
  uploadVideo,
  videoIdOfFile,
} from "../services/transfer.js";
import { downloadPrefix, getVideoStatus } from "../services/videos.js";
import { type Connection, connect } from "../target/connect.js";
import { followToEnd, jobOutcome } from "./watch.js";

interface TranscodeOptions {
  outDir?: string;
  /** Seconds to wait for the upload to start its media job. */
  startTimeout?: string;
}

/** Waits until the media execution named after the video id exists (the upload trigger starts it). */
export async function waitForExecution(
  conn: Connection,
  arn: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!signal.aborted) {
    try {
      await conn.sfn.send(new DescribeExecutionCommand({ executionArn: arn }), { abortSignal: signal });
      return;
    } catch (err) {
      if ((err as { name?: string }).name !== "ExecutionDoesNotExist") throw err;
    }
    if (Date.now() > deadline) {
      throw new AppError(
        "ENDPOINT_UNREACHABLE",
        `The upload did not start a media job (${arn}) within ${Math.round(timeoutMs / 1000)} s: is the upload trigger deployed (or the local cloud running)?`,
      );
    }
    await sleep(1000, signal);
  }
  throw new AppError("JOB_CANCELLED", "Interrupted while waiting for the media job to start.");
}

export const uploadLine = (name: string, p: TransferProgress): string =>
  `upload ${name} ${p.percent.toFixed(0)}% ${formatBytes(p.loaded)}/${formatBytes(p.total)} ${formatBytes(p.bytesPerSecond)}/s eta ${formatDuration(p.etaSeconds)}`;

/** Upload a video (multipart), wait for its media job, download the packaged outputs as a tree. */
export async function transcode(
  ctx: CommandContext,
  video: string,
  options: TranscodeOptions,
): Promise<CommandOutcome> {
  const path = resolve(ctx.cwd, video);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new AppError("USAGE_ERROR", `No video file at ${path}`);
  if (info.size === 0) throw new AppError("EMPTY_UPLOAD", `${path} is empty`);
  const timeoutMs = (options.startTimeout ? Number(options.startTimeout) : 600) * 1000;
  const videoId = await videoIdOfFile(path);
  const outDir = resolve(
    ctx.cwd,
    options.outDir ?? join("out", `${basename(path, extname(path))}-${videoId}`),
  );
  const conn = await connect(ctx);
  try {
    const name = basename(path);
    let lastPercent = -10;
    const onProgress = async (p: TransferProgress) => {
      if (ctx.mode === "json") return;
      if (p.percent - lastPercent >= 10 || p.percent === 100) {
        lastPercent = p.percent;
        ctx.diagnostic(uploadLine(name, p));
      }
    };
    if (ctx.mode === "interactive") {
      const { runUploadView } = await import("../app/live-job-view.js");
      await runUploadView(ctx, name, (report) =>
        uploadVideo(conn.s3, conn.endpoints.bucket, path, {
          local: conn.endpoints.kind === "local",
          signal: ctx.signal,
          onProgress: report,
        }),
      );
    } else {
      await uploadVideo(conn.s3, conn.endpoints.bucket, path, {
        local: conn.endpoints.kind === "local",
        signal: ctx.signal,
        onProgress,
      });
    }
    const arn = executionArn(conn.endpoints.mediaStateMachineArn, mediaExecutionName(videoId));
    if (ctx.mode !== "json") ctx.diagnostic(`video id ${videoId}; waiting for media job ${arn}`);
    await waitForExecution(conn, arn, timeoutMs, ctx.signal);
    const model = await followToEnd(ctx, conn, arn);
    if (model.status !== "SUCCEEDED") return jobOutcome(model, { videoId });
    const status = await getVideoStatus(conn.s3, conn.endpoints.bucket, videoId);
    const downloaded = await downloadPrefix(
      conn.s3,
      conn.endpoints.bucket,
      processedPrefix(videoId),
      outDir,
      (file, bytes) => {
        if (ctx.mode === "plain") ctx.diagnostic(`downloaded ${file} (${formatBytes(bytes)})`);
      },
    );
    const hls = join(outDir, PROCESSED_FILES.hlsMaster);
    const dash = status?.assets?.dashManifest ? join(outDir, PROCESSED_FILES.dashManifest) : null;
    return jobOutcome(
      model,
      {
        videoId,
        outDir,
        files: downloaded.files,
        bytes: downloaded.bytes,
        playback: { hls, dash },
        video: status ?? null,
      },
      [
        `downloaded ${downloaded.files} files (${formatBytes(downloaded.bytes)}) to ${outDir}`,
        `play: ${hls}${dash ? ` or ${dash}` : ""}`,
      ],
    );
  } finally {
    await conn.close();
  }
}

export function registerTranscode(program: Command, execute: Executor): void {
  program
    .command("transcode")
    .description("upload a video, wait for its streaming package, download it as a tree that plays from disk")
    .argument("<video>", "video file (mp4, mov, mkv, webm)")
    .option(
      "--out-dir <dir>",
      "where to put manifests, segments, thumbnails and subtitles (default out/<name>-<videoId>)",
    )
    .option("--start-timeout <seconds>", "how long to wait for the upload to start the media job", "600")
    .action(async (video: string, options: TranscodeOptions, command: Command) =>
      execute(command, (ctx) => transcode(ctx, video, options)),
    );
}
