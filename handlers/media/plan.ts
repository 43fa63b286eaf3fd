import { z } from "zod";
import { AppError } from "../contracts/errors.js";
import type { LadderRung } from "../contracts/media-settings.js";
import type { MediaConfig } from "./config.js";

/**
 * Pure planning: ffprobe JSON -> what the source is, and source + config -> the ladder and every
 * encoder setting. Refuses up front what cannot work (no video, huge dimensions, too long to finish
 * within the function timeout) with messages a user can act on.
 */

/** Sides above this are refused (SOURCE_DIMENSIONS_TOO_LARGE); H.264 level 6.2 tops out at 8192x4320. */
export const MAX_SOURCE_SIDE = 8192;
/** Output frame rates above this are halved-down to it (60 fps is the ladder's ceiling). */
export const MAX_OUTPUT_FPS = 60;
export const SEGMENT_SECONDS = 4;
export const GOP_SECONDS = 2;
/** Share of the function timeout the encode may take; the rest is download, upload and slack. */
export const ENCODE_BUDGET_SHARE = 0.7;

const ProbeStreamSchema = z.looseObject({
  index: z.number().optional(),
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  sample_aspect_ratio: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  duration: z.string().optional(),
  channels: z.number().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  side_data_list: z.array(z.looseObject({ rotation: z.number().optional() })).optional(),
  disposition: z.looseObject({ attached_pic: z.number().optional() }).optional(),
});
const ProbeSchema = z.looseObject({
  streams: z.array(ProbeStreamSchema).default([]),
  format: z.looseObject({ duration: z.string().optional(), format_name: z.string().optional() }).optional(),
});

export interface SourceInfo {
  /** Seconds. */
  durationSeconds: number;
  /** Display size: after rotation and sample aspect ratio. */
  width: number;
  height: number;
  /** Coded size as stored. */
  codedWidth: number;
  codedHeight: number;
  /** Degrees, 0/90/180/270 (ffmpeg applies it when decoding). */
  rotation: number;
  /** Frame rate used for the output (constant). */
  fps: number;
  variableFrameRate: boolean;
  hasAudio: boolean;
  videoCodec: string;
  formatName: string;
}

/** Parses `ffprobe -print_format json -show_format -show_streams` output. */
export function parseProbe(stdout: string, fileLabel = "the file"): SourceInfo {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new AppError(
      "UNSUPPORTED_MEDIA",
      `${fileLabel} could not be read as media (ffprobe printed no JSON)`,
    );
  }
  const probe = ProbeSchema.parse(json);
  const video = probe.streams.find(
    (stream) =>
      stream.codec_type === "video" && stream.disposition?.attached_pic !== 1 && (stream.width ?? 0) > 0,
  );
  const hasAudio = probe.streams.some((stream) => stream.codec_type === "audio");
  if (!video || video.width === undefined || video.height === undefined) {
    throw new AppError(
      "UNSUPPORTED_MEDIA",
      hasAudio
        ? `${fileLabel} has audio but no video stream; the pipeline makes video renditions, upload a video file`
        : `${fileLabel} has no video stream (format: ${probe.format?.format_name ?? "unknown"})`,
    );
  }
  const duration = Number(probe.format?.duration ?? video.duration ?? Number.NaN);
  if (!Number.isFinite(duration) || duration <= 0) {
    throw new AppError(
      "UNSUPPORTED_MEDIA",
      `${fileLabel} has no usable duration (is it a still image or a truncated file?)`,
    );
  }
  const rotation = normalizeRotation(
    video.side_data_list?.find((data) => data.rotation !== undefined)?.rotation ??
      Number(video.tags?.rotate ?? 0),
  );
  const sar = parseRatio(video.sample_aspect_ratio);
  const sarValue = sar && sar > 0 ? sar : 1;
  const displayCodedWidth = Math.round(video.width * sarValue);
  const quarterTurn = rotation % 180 !== 0;
  const avg = parseRatio(video.avg_frame_rate);
  const real = parseRatio(video.r_frame_rate);
  const nominal = real && real > 0 && real <= 120 ? real : avg && avg > 0 ? avg : 30;
  return {
    durationSeconds: round3(duration),
    width: quarterTurn ? video.height : displayCodedWidth,
    height: quarterTurn ? displayCodedWidth : video.height,
    codedWidth: video.width,
    codedHeight: video.height,
    rotation,
    fps: round3(Math.min(nominal, MAX_OUTPUT_FPS)),
    variableFrameRate: avg !== undefined && real !== undefined && avg > 0 && Math.abs(avg - real) > 0.01,
    hasAudio,
    videoCodec: video.codec_name ?? "unknown",
    formatName: probe.format?.format_name ?? "unknown",
  };
}

export interface PlannedRendition {
  name: string;
  width: number;
  height: number;
  /** Bits per second. */
  videoBitrate: number;
  maxRate: number;
  bufferSize: number;
}

export interface ThumbnailPlan {
  interval: number;
  width: number;
  columns: number;
  rows: number;
  /** Number of thumbnails and sheets the duration needs. */
  count: number;
  sheets: number;
}

/** Everything the transcode, thumbnails and transcription steps need; a few hundred bytes of JSON. */
export interface MediaPlan {
  source: SourceInfo;
  renditions: PlannedRendition[];
  audioBitrate: number | null;
  fps: number;
  gopFrames: number;
  segmentSeconds: number;
  x264Preset: string;
  generateDash: boolean;
  thumbnails: ThumbnailPlan;
  /** Estimated encode seconds (sum of rung pixel rates / encoder throughput). */
  estimatedEncodeSeconds: number;
}

const even = (value: number): number => Math.max(2, 2 * Math.round(value / 2));
/** The nearest even number to `value` that does not exceed `limit` (so odd sources are never upscaled). */
const evenWithin = (value: number, limit: number): number =>
  Math.max(2, Math.min(even(value), 2 * Math.floor(limit / 2)));

/** Rungs no larger than the source (short side), scaled with aspect kept and even sides; never upscaled. */
export function planRenditions(
  source: Pick<SourceInfo, "width" | "height">,
  ladder: readonly LadderRung[],
): PlannedRendition[] {
  const shortSide = Math.min(source.width, source.height);
  const portrait = source.height > source.width;
  const sorted = [...ladder].sort((a, b) => b.height - a.height);
  const fitting = sorted.filter((rung) => rung.height <= shortSide);
  const smallest = sorted[sorted.length - 1];
  if (!smallest) throw new AppError("INVALID_CONFIG", "LADDER is empty");
  const sized = (rung: LadderRung, short: number, bitrate: number): PlannedRendition => {
    const scale = short / shortSide;
    const width = evenWithin(portrait ? short : source.width * scale, source.width);
    const height = evenWithin(portrait ? source.height * scale : short, source.height);
    const videoBitrate = Math.round(bitrate);
    return {
      name: rung.name,
      width,
      height,
      videoBitrate,
      maxRate: Math.round(videoBitrate * 1.1),
      bufferSize: videoBitrate * 2,
    };
  };
  if (fitting.length === 0) {
    // Smaller than the smallest rung: one rendition at the source size, bitrate scaled by area.
    const short = 2 * Math.floor(shortSide / 2);
    const ratio = (short * short) / (smallest.height * smallest.height);
    return [
      sized({ ...smallest, name: `${short}p` }, short, Math.max(100_000, smallest.videoBitrate * ratio)),
    ];
  }
  return fitting.map((rung) => sized(rung, rung.height, rung.videoBitrate));
}

export function planMedia(source: SourceInfo, config: MediaConfig, fileLabel = "the source"): MediaPlan {
  if (source.codedWidth > MAX_SOURCE_SIDE || source.codedHeight > MAX_SOURCE_SIDE) {
    throw new AppError(
      "SOURCE_DIMENSIONS_TOO_LARGE",
      `${fileLabel} is ${source.codedWidth}x${source.codedHeight}; sides above ${MAX_SOURCE_SIDE} pixels are refused`,
    );
  }
  const renditions = planRenditions(source, config.ladder);
  const fps = source.fps;
  const pixelsPerMediaSecond = renditions.reduce((sum, r) => sum + r.width * r.height, 0) * fps;
  // Decoding the source costs about one more rendition of its own size.
  const decodePixels = source.codedWidth * source.codedHeight * fps * 0.25;
  const estimatedEncodeSeconds = round3(
    (source.durationSeconds * (pixelsPerMediaSecond + decodePixels)) / config.encodePixelsPerSecond,
  );
  const budget = config.mediaTimeoutSeconds * ENCODE_BUDGET_SHARE;
  if (estimatedEncodeSeconds > budget) {
    const maxSeconds = Math.floor((source.durationSeconds * budget) / estimatedEncodeSeconds);
    throw new AppError(
      "SOURCE_TOO_LONG",
      `${fileLabel} lasts ${formatDuration(source.durationSeconds)} at ${source.width}x${source.height} ${fps} fps; encoding ${renditions.length} rendition(s) would take about ${Math.round(estimatedEncodeSeconds)} s, more than the ${Math.round(budget)} s the media function has (MEDIA_TIMEOUT_SECONDS=${config.mediaTimeoutSeconds}). Sources up to about ${formatDuration(maxSeconds)} fit at this size.`,
      { details: { durationSeconds: source.durationSeconds, estimatedEncodeSeconds, budgetSeconds: budget } },
    );
  }
  const audioBitrate = source.hasAudio
    ? Math.max(
        ...config.ladder
          .filter((rung) => renditions.some((r) => r.name === rung.name))
          .map((rung) => rung.audioBitrate),
        64_000,
      )
    : null;
  const count = Math.max(1, Math.ceil(source.durationSeconds / config.spriteInterval));
  const perSheet = config.spriteColumns * config.spriteRows;
  return {
    source,
    renditions,
    audioBitrate,
    fps,
    gopFrames: Math.max(1, Math.round(fps * GOP_SECONDS)),
    segmentSeconds: SEGMENT_SECONDS,
    x264Preset: config.x264Preset,
    generateDash: config.generateDash,
    thumbnails: {
      interval: config.spriteInterval,
      width: Math.min(config.thumbnailWidth, even(source.width)),
      columns: config.spriteColumns,
      rows: config.spriteRows,
      count,
      sheets: Math.ceil(count / perSheet),
    },
    estimatedEncodeSeconds,
  };
}

export function parseRatio(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const [num, den] = value.split(/[/:]/).map(Number);
  if (num === undefined || !Number.isFinite(num)) return undefined;
  if (den === undefined) return num;
  if (!Number.isFinite(den) || den === 0) return undefined;
  return num / den;
}

function normalizeRotation(value: number): number {
  if (!Number.isFinite(value)) return 0;
  const quarter = Math.round(value / 90) * 90;
  return ((quarter % 360) + 360) % 360;
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${rest} s` : `${rest} s`;
}
