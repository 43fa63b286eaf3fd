import { z } from "zod";

/**
 * The media function's settings that the Terraform module also declares (its variables' defaults and
 * validation): one definition, read by the handler (handlers/media/config.ts) and by modules/.
 */

export const LadderRungSchema = z
  .object({
    /** Label, e.g. `720p`. */
    name: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, { error: "name must be 1-32 letters, digits, _ or -" }),
    /** Height of a landscape rendition (the short side for portrait sources), pixels. */
    height: z.number().int().min(64).max(4320),
    /** Target video bitrate, bits per second. */
    videoBitrate: z.number().int().min(50_000).max(100_000_000),
    /** Audio bitrate, bits per second. */
    audioBitrate: z.number().int().min(16_000).max(512_000),
  })
  .strict();
export type LadderRung = z.infer<typeof LadderRungSchema>;

/** The default ladder: common rungs and bitrates for H.264 at 30 fps. */
export const DEFAULT_LADDER: readonly LadderRung[] = Object.freeze([
  { name: "1080p", height: 1080, videoBitrate: 5_000_000, audioBitrate: 128_000 },
  { name: "720p", height: 720, videoBitrate: 2_800_000, audioBitrate: 128_000 },
  { name: "480p", height: 480, videoBitrate: 1_400_000, audioBitrate: 96_000 },
  { name: "360p", height: 360, videoBitrate: 800_000, audioBitrate: 96_000 },
]);

export const TRANSCRIPTION_ENGINES = ["aws", "pocketsphinx", "none"] as const;
export type TranscriptionEngine = (typeof TRANSCRIPTION_ENGINES)[number];

export const X264_PRESETS = [
  "ultrafast",
  "superfast",
  "veryfast",
  "faster",
  "fast",
  "medium",
  "slow",
] as const;

export const MEDIA_CONFIG_DEFAULTS = {
  generateDash: true,
  generateSubtitles: true,
  thumbnailWidth: 180,
  spriteInterval: 2,
  spriteRows: 10,
  spriteColumns: 10,
  transcribeLanguage: "en-US",
  transcriptionEngine: "aws",
  mediaTimeoutSeconds: 900,
  /**
   * Pixels per second the encoder sustains across all rungs (sum of width x height x fps). Measured by
   * bench/media on 2 shared cores with the veryfast preset; a Lambda with more memory has more vCPUs.
   */
  encodePixelsPerSecond: 40_000_000,
  x264Preset: "veryfast",
} as const;
