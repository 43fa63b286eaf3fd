import { z } from "zod";
import { DISTRIBUTED_FORMATS, RenderConfigSchema } from "./render-config.js";

/**
 * The render state machine's input and the `render` function's events and results, as a discriminated
 * union on `Action`. Field names follow HyperFrames' own AWS adapter (packages/aws-lambda/src/events.ts)
 * so its sample events and clients work; we always use the content-addressed v2 plan transport.
 *
 * Results stay a few hundred bytes: Step Functions caps payloads at 256 KiB and histories at 25,000
 * events, so the Map discards chunk results and Assemble finds chunks by key (bucket-layout.ts).
 */

const s3Uri = z
  .string()
  .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+/, { error: "must be an s3://bucket/key URI" });
const s3Prefix = s3Uri.refine((uri) => uri.endsWith("/"), { error: "must be an s3:// prefix ending in /" });
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, { error: "must be a 64-character hex SHA-256" });
const chunkIndex = z.number().int().min(0);

export const RENDER_FORMAT_EXTENSIONS = { mp4: "mp4", mov: "mov", webm: "webm" } as const;
const format = z.enum(DISTRIBUTED_FORMATS);

/** Input of the render state machine (StartExecution `input`). */
export const RenderExecutionInputSchema = z
  .object({
    /** The render job id; also the execution name. */
    JobId: z.string().min(1),
    /** `s3://<bucket>/projects/<sha256>.tar.gz` */
    ProjectS3Uri: s3Uri,
    /** `s3://<bucket>/renders/<jobId>/` */
    PlanOutputS3Prefix: s3Prefix,
    /** `s3://<bucket>/outputs/<jobId>/<name>.<format>` */
    OutputS3Uri: s3Uri,
    Config: RenderConfigSchema,
  })
  .strict();
export type RenderExecutionInput = z.input<typeof RenderExecutionInputSchema>;

export const PlanEventSchema = z
  .object({
    Action: z.literal("plan"),
    PlanProtocol: z.literal("v2").default("v2"),
    ProjectS3Uri: s3Uri,
    PlanOutputS3Prefix: s3Prefix,
    Config: RenderConfigSchema,
  })
  .strict();

export const RenderChunkEventSchema = z
  .object({
    Action: z.literal("renderChunk"),
    PlanProtocol: z.literal("v2"),
    PlanHash: sha256Hex,
    ChunkIndex: chunkIndex,
    ChunkOutputS3Prefix: s3Prefix,
    Format: format,
    PlanV2ManifestS3Uri: s3Uri,
    PlanV2ArtifactS3Prefix: s3Prefix,
  })
  .strict();

/**
 * Assemble takes `ChunkOutputS3Prefix` + `ChunkCount` (our state machine: constant size whatever the
 * chunk count) or HyperFrames' `ChunkS3Uris` list (its clients); exactly one of the two.
 */
export const AssembleEventSchema = z
  .object({
    Action: z.literal("assemble"),
    PlanProtocol: z.literal("v2"),
    PlanHash: sha256Hex,
    PlanV2ManifestS3Uri: s3Uri,
    PlanV2ArtifactS3Prefix: s3Prefix,
    OutputS3Uri: s3Uri,
    Format: format,
    ChunkOutputS3Prefix: s3Prefix.optional(),
    ChunkCount: z.number().int().min(1).optional(),
    ChunkS3Uris: z.array(s3Uri).min(1).optional(),
    AudioS3Uri: s3Uri.nullable().optional(),
  })
  .strict()
  .refine(
    (event) =>
      (event.ChunkS3Uris !== undefined) !==
      (event.ChunkOutputS3Prefix !== undefined && event.ChunkCount !== undefined),
    { error: "give either ChunkS3Uris or both ChunkOutputS3Prefix and ChunkCount" },
  );

export const RenderEventSchema = z.discriminatedUnion("Action", [
  PlanEventSchema,
  RenderChunkEventSchema,
  AssembleEventSchema,
]);
export type PlanEvent = z.input<typeof PlanEventSchema>;
export type RenderChunkEvent = z.input<typeof RenderChunkEventSchema>;
export type AssembleEvent = z.input<typeof AssembleEventSchema>;
export type RenderEvent = z.input<typeof RenderEventSchema>;
export type RenderAction = RenderEvent["Action"];

export interface PlanResult {
  Action: "plan";
  PlanProtocol: "v2";
  PlanHash: string;
  ChunkCount: number;
  TotalFrames: number;
  Fps: 24 | 30 | 60;
  Width: number;
  Height: number;
  Format: (typeof DISTRIBUTED_FORMATS)[number];
  HasAudio: boolean;
  AudioS3Uri: string | null;
  PlanV2ManifestS3Uri: string;
  PlanV2ArtifactS3Prefix: string;
  /** `<PlanOutputS3Prefix>chunks/`: where RenderChunk writes and Assemble reads. */
  ChunkOutputS3Prefix: string;
  FfmpegVersion: string;
  ProducerVersion: string;
  DurationMs: number;
}

export interface RenderChunkResult {
  Action: "renderChunk";
  ChunkS3Uri: string;
  ChunkIndex: number;
  Sha256: string;
  FramesEncoded: number;
  DurationMs: number;
}

export interface AssembleResult {
  Action: "assemble";
  OutputS3Uri: string;
  FramesEncoded: number;
  FileSize: number;
  Sha256: string;
  DurationMs: number;
}

export type RenderResult = PlanResult | RenderChunkResult | AssembleResult;

/** The RenderChunk event for chunk `chunkIndex` of a plan: what the state machine's Map ItemSelector builds. */
export const renderChunkEventFor = (plan: PlanResult, chunkIndex: number): RenderChunkEvent => ({
  Action: "renderChunk",
  PlanProtocol: "v2",
  PlanHash: plan.PlanHash,
  ChunkIndex: chunkIndex,
  ChunkOutputS3Prefix: plan.ChunkOutputS3Prefix,
  Format: plan.Format,
  PlanV2ManifestS3Uri: plan.PlanV2ManifestS3Uri,
  PlanV2ArtifactS3Prefix: plan.PlanV2ArtifactS3Prefix,
});

/** The Assemble event for a plan: chunks found by prefix and count, as the state machine sends it. */
export const assembleEventFor = (plan: PlanResult, outputS3Uri: string): AssembleEvent => ({
  Action: "assemble",
  PlanProtocol: "v2",
  PlanHash: plan.PlanHash,
  PlanV2ManifestS3Uri: plan.PlanV2ManifestS3Uri,
  PlanV2ArtifactS3Prefix: plan.PlanV2ArtifactS3Prefix,
  OutputS3Uri: outputS3Uri,
  Format: plan.Format,
  ChunkOutputS3Prefix: plan.ChunkOutputS3Prefix,
  ChunkCount: plan.ChunkCount,
});
