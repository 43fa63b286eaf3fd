import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import type { VideoStatus } from "../../handlers/contracts/video-status.js";
import type { CommandContext, CommandOutcome } from "../cli/command-context.js";
import type { Executor } from "../cli/program.js";
import { formatBytes } from "../services/transfer.js";
import { deleteVideo, listVideos, playbackUrls } from "../services/videos.js";
import { connect } from "../target/connect.js";

interface VideosOptions {
  delete?: string;
  yes?: boolean;
}

export function videoLine(video: VideoStatus, urls: { hls?: string }): string {
  const size = video.totalBytes !== undefined ? formatBytes(video.totalBytes) : "";
  const progress =
    video.status === "processing" && video.percent !== undefined
      ? ` ${video.step ?? ""} ${video.percent.toFixed(0)}%`
      : "";
  return `${video.videoId} ${video.status.padEnd(19)} ${video.fileName}${progress}${size ? ` ${size}` : ""}${urls.hls ? ` ${urls.hls}` : ""}`;
}

/** Videos from processed/*\/status.json: status and playback URLs; `--delete <id>` removes one. */
export async function videos(ctx: CommandContext, options: VideosOptions): Promise<CommandOutcome> {
  const conn = await connect(ctx);
  try {
    if (options.delete) {
      if (ctx.mode === "interactive" && !options.yes) {
        const rl = createInterface({ input: ctx.stdin, output: ctx.stderr as NodeJS.WritableStream });
        const answer = await rl.question(`Delete the processed outputs of ${options.delete}? [y/N] `);
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim()))
          return { document: { status: "OK", deleted: false }, lines: ["not deleted"], exitCode: 0 };
      }
      const removed = await deleteVideo(conn.s3, conn.endpoints.bucket, options.delete);
      return {
        document: { status: "OK", deleted: true, videoId: options.delete, objects: removed },
        lines: [`deleted ${options.delete} (${removed} objects; the original upload is kept)`],
        exitCode: 0,
      };
    }
    const list = await listVideos(conn.s3, conn.endpoints.bucket);
    const rows = await Promise.all(
      list.map(async (video) => ({ video, urls: await playbackUrls(conn.s3, conn.endpoints, video) })),
    );
    return {
      document: { status: "OK", videos: rows.map(({ video, urls }) => ({ ...video, playback: urls })) },
      lines:
        rows.length === 0
          ? ["no videos yet: `hyperframes-tui transcode <video file>`"]
          : rows.map(({ video, urls }) => videoLine(video, urls)),
      exitCode: 0,
    };
  } finally {
    await conn.close();
  }
}

export function registerVideos(program: Command, execute: Executor): void {
  program
    .command("videos")
    .description("list videos with status and playback URLs; --delete <id> removes one")
    .option("--delete <videoId>", "delete a video's processed outputs and name mapping")
    .option("-y, --yes", "do not ask before deleting")
    .action(async (options: VideosOptions, command: Command) =>
      execute(command, (ctx) => videos(ctx, options)),
    );
}
