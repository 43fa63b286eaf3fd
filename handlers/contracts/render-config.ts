import { z } from "zod";

/**
 * Meaning of the two chunk knobs (decided here; the producer's differ):
 * - `chunkSize`: frames per chunk. Chunk count = ceil(totalFrames / chunkSize), at most 1,000.
 * - `maxParallelChunks`: how many chunks render at once (the Map's MaxConcurrency). The producer reads
 *   its own `maxParallelChunks` as a cap on the chunk COUNT, so Plan passes it `RENDER_LIMITS.maxChunks`
 *   instead, and the chunk count is decided by `chunkSize` alone.
 *
 * The render config a user gives (CLI flags, the TUI form, `POST /api/renders`, the state machine's
 * `Config`). It is a subset of the producer's `DistributedRenderConfig`; fps and size default to the
 * composition's own when not given, so they are optional here and filled in by Plan.
 */

export const ALLOWED_FPS = [24, 30, 60] as const;
export const DISTRIBUTED_FORMATS = ["mp4", "mov", "webm"] as const;
export const QUALITIES = ["draft", "standard", "high"] as const;

export const RENDER_LIMITS = {
  /** Frames per chunk. Small chunks pay ~2.5 s of browser boot each; large ones risk Lambda's 900 s. */
  /** The producer's own floor (MIN_CHUNK_SIZE = 10). */
  minChunkSize: 10,
  maxChunkSize: 3600,
  defaultChunkSize: 240,
  /** Inline Map runs at most 40 iterations at once in AWS. */
  maxParallelChunks: 40,
  defaultMaxParallelChunks: 16,
  /** At most 1,000 chunks per job for now (inline Map; one ArrayRange). */
  maxChunks: 1000,
  minDimension: 16,
  maxWidth: 7680,
  maxHeight: 4320,
} as const;

const evenDimension = (label: "width" | "height", max: number) =>
  z
    .number({ error: `${label} must be a number of pixels` })
    .int({ error: `${label} must be a whole number of pixels` })
    .min(RENDER_LIMITS.minDimension, { error: `${label} must be at least ${RENDER_LIMITS.minDimension}` })
    .max(max, { error: `${label} must be at most ${max}` })
    .refine((value) => value % 2 === 0, { error: `${label} must be even (H.264 needs even dimensions)` });

export const RenderConfigSchema = z
  .object({
    fps: z
      .union([z.literal(24), z.literal(30), z.literal(60)], { error: "fps must be one of 24, 30, 60" })
      .optional(),
    width: evenDimension("width", RENDER_LIMITS.maxWidth).optional(),
    height: evenDimension("height", RENDER_LIMITS.maxHeight).optional(),
    format: z
      .enum(DISTRIBUTED_FORMATS, { error: `format must be one of ${DISTRIBUTED_FORMATS.join(", ")}` })
      .default("mp4"),
    quality: z
      .enum(QUALITIES, { error: `quality must be one of ${QUALITIES.join(", ")}` })
      .default("standard"),
    chunkSize: z
      .number({ error: "chunkSize must be a number of frames" })
      .int({ error: "chunkSize must be a whole number of frames" })
      .min(RENDER_LIMITS.minChunkSize, {
        error: `chunkSize must be at least ${RENDER_LIMITS.minChunkSize} frames`,
      })
      .max(RENDER_LIMITS.maxChunkSize, {
        error: `chunkSize must be at most ${RENDER_LIMITS.maxChunkSize} frames`,
      })
      .default(RENDER_LIMITS.defaultChunkSize),
    maxParallelChunks: z
      .number({ error: "maxParallelChunks must be a number" })
      .int({ error: "maxParallelChunks must be a whole number" })
      .min(1, { error: "maxParallelChunks must be at least 1" })
      .max(RENDER_LIMITS.maxParallelChunks, {
        error: `maxParallelChunks must be at most ${RENDER_LIMITS.maxParallelChunks} (Step Functions inline Map limit)`,
      })
      .default(RENDER_LIMITS.defaultMaxParallelChunks),
  })
  .strict()
  .refine((config) => (config.width === undefined) === (config.height === undefined), {
    error: "width and height go together: give both or neither",
    path: ["width"],
  });

/** What the user may send (defaults not yet applied). */
export type RenderConfigInput = z.input<typeof RenderConfigSchema>;
/** After defaults: every field but fps/width/height is present. */
export type RenderConfig = z.output<typeof RenderConfigSchema>;

/** A config with the composition's fps and size filled in: what Plan hands the producer. */
export interface ResolvedRenderConfig extends RenderConfig {
  fps: 24 | 30 | 60;
  width: number;
  height: number;
}

/** Number of chunks for a frame count, and whether it is inside the per-job limit. */
export const chunkCountFor = (totalFrames: number, chunkSize: number): number =>
  Math.max(0, Math.ceil(totalFrames / chunkSize));
