import { z } from "zod";

/**
 * The status document at processed/<videoId>/status.json. Values as the transcoder this replaces named
 * them (`processing`, `processing_complete`, `processing_failed`), plus `queued` before work starts.
 */
export const VIDEO_STATUSES = ["queued", "processing", "processing_complete", "processing_failed"] as const;
export type VideoStatusValue = (typeof VIDEO_STATUSES)[number];

export const RenditionSchema = z.object({
  name: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  bitrate: z.number().int(),
  codecs: z.string(),
});
export type Rendition = z.infer<typeof RenditionSchema>;

export const VideoAssetsSchema = z.object({
  hlsMaster: z.string(),
  dashManifest: z.string().nullable(),
  poster: z.string(),
  thumbnailsVtt: z.string(),
  spriteSheets: z.array(z.string()),
  subtitles: z.array(z.object({ language: z.string(), key: z.string() })),
});
export type VideoAssets = z.infer<typeof VideoAssetsSchema>;

export const VideoStatusSchema = z.object({
  videoId: z.string(),
  fileName: z.string(),
  status: z.enum(VIDEO_STATUSES),
  /** Original upload, kept for reprocessing. */
  source: z.object({ bucket: z.string(), key: z.string(), size: z.number().int() }),
  createdAt: z.string(),
  updatedAt: z.string(),
  executionArn: z.string().optional(),
  /** While `processing`: the current step and its percent (0-100). */
  step: z.string().optional(),
  percent: z.number().min(0).max(100).optional(),
  /** When `processing_complete`. */
  durationSeconds: z.number().optional(),
  renditions: z.array(RenditionSchema).optional(),
  assets: VideoAssetsSchema.optional(),
  /** Bytes per asset key, and the total. */
  sizes: z.record(z.string(), z.number()).optional(),
  totalBytes: z.number().optional(),
  /** Why subtitles are missing when they were asked for (e.g. no local engine). */
  subtitlesSkippedReason: z.string().optional(),
  /** When `processing_failed`. */
  error: z.object({ step: z.string(), name: z.string(), message: z.string() }).optional(),
});
export type VideoStatus = z.infer<typeof VideoStatusSchema>;

/** The name mapping at processed/names/<encoded file name>.json. */
export const NameMappingSchema = z.object({
  fileName: z.string(),
  videoId: z.string(),
  uploadedAt: z.string(),
});
export type NameMapping = z.infer<typeof NameMappingSchema>;
