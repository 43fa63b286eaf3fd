import { join } from "node:path";
import type { MediaPlan, ThumbnailPlan } from "../plan.js";

/**
 * Pure builders of ffmpeg/ffprobe argument lists. Unit-tested without running anything; run.ts runs
 * them. The flags target the static ffmpeg from @ffmpeg-installer/linux-x64 (a 2018 git build) and
 * newer builds alike: its dash muxer has `hls_playlist`, `dash_segment_type`, `seg_duration`,
 * `init_seg_name` and `media_seg_name`.
 */

export const TRANSCODE_OUTPUT = {
  dashManifest: "manifest.mpd",
  hlsMaster: "master.m3u8",
  /** Media playlists ffmpeg writes next to the master: media_0.m3u8, media_1.m3u8, ... */
  mediaPlaylist: /^media_\d+\.m3u8$/,
  initSegmentTemplate: "init-$RepresentationID$.$ext$",
  mediaSegmentTemplate: "seg-$RepresentationID$-$Number%05d$.$ext$",
} as const;

export function probeArgs(input: string): string[] {
  return ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", input];
}

/** Width/height of an image or video, as `W,H` on stdout. */
export function dimensionsProbeArgs(input: string): string[] {
  return [
    "-v",
    "error",
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=width,height",
    "-of",
    "csv=p=0",
    input,
  ];
}

/**
 * The video filter graph: decode once, constant frame rate, then a scaling cascade: each rung is scaled
 * from the next larger one (1080 -> 720 -> 480 -> 360), not from the source, which costs the filter thread
 * far less than scaling the full-size picture once per rung. A rung the size of the source passes through.
 */
export function ladderFilterGraph(plan: Pick<MediaPlan, "fps" | "renditions">): string {
  const count = plan.renditions.length;
  if (count === 0) throw new TypeError("ladderFilterGraph: no renditions");
  const parts: string[] = [];
  let from = `[0:v:0]fps=${plan.fps},format=yuv420p,`;
  plan.renditions.forEach((r, i) => {
    const last = i === count - 1;
    parts.push(`${from}scale=${r.width}:${r.height}${last ? `[v${i}]` : `,split=2[v${i}][c${i}]`}`);
    from = `[c${i}]`;
  });
  return parts.join(";");
}

/**
 * ONE ffmpeg process: decode once, a scaling cascade, one x264 encoder per rung, CMAF fMP4 segments shared by
 * the DASH manifest and the HLS playlists (`-hls_playlist 1`). Keyframes every GOP_SECONDS on every rung
 * (`-g`, `-keyint_min`, no scene cuts, forced at exact times) so renditions switch at any segment.
 * Optionally a second output: mono 16 kHz FLAC for speech-to-text, from the same decode.
 */
export function transcodeArgs(
  plan: MediaPlan,
  input: string,
  outDir: string,
  options: { transcriptionAudioPath?: string } = {},
): string[] {
  const args = [
    "-hide_banner",
    "-loglevel",
    "warning",
    "-stats",
    "-i",
    input,
    "-filter_complex",
    ladderFilterGraph(plan),
  ];
  for (let i = 0; i < plan.renditions.length; i++) args.push("-map", `[v${i}]`);
  if (plan.audioBitrate !== null) args.push("-map", "0:a:0");
  args.push(
    "-c:v",
    "libx264",
    "-preset",
    plan.x264Preset,
    "-profile:v",
    "high",
    "-g",
    String(plan.gopFrames),
    "-keyint_min",
    String(plan.gopFrames),
    "-sc_threshold",
    "0",
    "-force_key_frames",
    `expr:gte(t,n_forced*${plan.gopFrames / plan.fps})`,
  );
  plan.renditions.forEach((r, i) => {
    args.push(
      `-b:v:${i}`,
      String(r.videoBitrate),
      `-maxrate:v:${i}`,
      String(r.maxRate),
      `-bufsize:v:${i}`,
      String(r.bufferSize),
    );
  });
  if (plan.audioBitrate !== null) {
    args.push("-c:a", "aac", "-b:a", String(plan.audioBitrate), "-ac", "2", "-ar", "48000");
  }
  args.push(
    "-max_muxing_queue_size",
    "1024",
    "-f",
    "dash",
    "-dash_segment_type",
    "mp4",
    "-hls_playlist",
    "1",
    "-seg_duration",
    String(plan.segmentSeconds),
    "-use_template",
    "1",
    "-use_timeline",
    "1",
    "-init_seg_name",
    TRANSCODE_OUTPUT.initSegmentTemplate,
    "-media_seg_name",
    TRANSCODE_OUTPUT.mediaSegmentTemplate,
    "-adaptation_sets",
    plan.audioBitrate !== null ? "id=0,streams=v id=1,streams=a" : "id=0,streams=v",
    join(outDir, TRANSCODE_OUTPUT.dashManifest),
  );
  if (options.transcriptionAudioPath && plan.audioBitrate !== null) {
    args.push(
      "-map",
      "0:a:0",
      "-vn",
      "-ac",
      "1",
      "-ar",
      "16000",
      "-c:a",
      "flac",
      options.transcriptionAudioPath,
    );
  }
  return args;
}

export const spriteFileName = (index: number): string => `sprite-${String(index).padStart(3, "0")}.jpg`;

/**
 * Sprite sheets: one thumbnail every `interval` seconds, `width` wide, tiled columns x rows per sheet
 * (the last sheet is padded). A second branch writes each thumbnail alone into `countDir` so the exact
 * thumbnail count is known (the sheets cannot tell).
 */
export function spriteArgs(
  input: string,
  outDir: string,
  countDir: string,
  thumbnails: ThumbnailPlan,
): string[] {
  return [
    "-hide_banner",
    "-loglevel",
    "warning",
    "-stats",
    "-i",
    input,
    "-filter_complex",
    `[0:v:0]fps=1/${thumbnails.interval},scale=${thumbnails.width}:-2,split=2[a][b];[a]tile=${thumbnails.columns}x${thumbnails.rows}[t]`,
    "-map",
    "[t]",
    "-q:v",
    "4",
    "-start_number",
    "0",
    join(outDir, "sprite-%03d.jpg"),
    "-map",
    "[b]",
    "-q:v",
    "31",
    "-start_number",
    "0",
    join(countDir, "thumb-%05d.jpg"),
  ];
}

/** One frame at `atSeconds`, `width` wide, as JPEG. */
export function posterArgs(input: string, atSeconds: number, width: number, output: string): string[] {
  return [
    "-hide_banner",
    "-loglevel",
    "warning",
    "-ss",
    atSeconds.toFixed(3),
    "-i",
    input,
    "-frames:v",
    "1",
    "-vf",
    `scale=${width}:-2`,
    "-q:v",
    "3",
    output,
  ];
}

/** Any audio to 16 kHz mono 16-bit WAV (what pocketsphinx reads). */
export function speechWavArgs(input: string, output: string): string[] {
  return [
    "-hide_banner",
    "-loglevel",
    "warning",
    "-i",
    input,
    "-vn",
    "-ac",
    "1",
    "-ar",
    "16000",
    "-c:a",
    "pcm_s16le",
    "-f",
    "wav",
    output,
  ];
}
