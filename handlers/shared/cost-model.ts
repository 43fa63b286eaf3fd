/**
 * The one cost model, shared by the CLI/TUI and the API. Two questions, one price table:
 * - `estimateRenderCost` / `estimateMediaCost`: before a job, from its config and a per-frame (or
 *   per-second-of-video) time model whose assumptions are returned with the figure;
 * - `accruedCost`: during and after a job (failed and cancelled ones too), from what was recorded:
 *   invocation durations and memory, state transitions, Transcribe seconds, S3 requests.
 *
 * Prices are AWS us-east-1 list prices (x86_64 Lambda). On the local cloud the figures say what the
 * same work would cost on AWS. Pure functions only: no SDK, no clock, no I/O.
 */

import { FUNCTION_SIZES, type FunctionName } from "../contracts/function-sizes.js";

export type { FunctionName };

export const PRICES = {
  /** Lambda compute, x86_64, per GB-second (1 GB = 1,024 MB). */
  lambdaPerGbSecond: 0.0000166667,
  /** Lambda requests: $0.20 per million. */
  lambdaPerRequest: 0.0000002,
  /** Step Functions Standard: $0.025 per 1,000 state transitions. */
  sfnPerTransition: 0.000025,
  /** Amazon Transcribe batch (tier 1): $0.024 per minute, billed per second, 15 s minimum per job. */
  transcribePerMinute: 0.024,
  transcribeMinimumSeconds: 15,
  /** S3 Standard: PUT, COPY, POST, LIST $0.005 per 1,000; GET and others $0.0004 per 1,000. */
  s3PerWriteRequest: 0.000005,
  s3PerReadRequest: 0.0000004,
} as const;

/** What this model never counts; shown next to every figure. */
export const NOT_COUNTED = [
  "S3 storage (GB-month) and data transfer out (downloads, playback)",
  "CloudWatch Logs, X-Ray traces, EventBridge events, KMS requests",
  "Lambda ephemeral storage above 512 MB and provisioned concurrency",
  "free tiers (the figures are list prices before any free tier)",
] as const;

export type CostItem = "lambda" | "lambdaRequests" | "stepFunctions" | "transcribe" | "s3Requests";

export interface CostLine {
  readonly item: CostItem;
  readonly quantity: number;
  /** Unit of `quantity`: "GB-s", "requests", "transitions", "minutes". */
  readonly unit: string;
  readonly usd: number;
  /** How the quantity was obtained, for a user reading the table. */
  readonly detail: string;
}

export interface CostBreakdown {
  readonly totalUsd: number;
  readonly lines: readonly CostLine[];
  /** Inputs that were assumed rather than measured (empty when everything was recorded). */
  readonly assumptions: readonly string[];
  readonly notCounted: readonly string[];
}

/** Memory (MB) the functions run with unless told otherwise (the module's defaults). */
export const DEFAULT_MEMORY_MB: Readonly<Record<FunctionName, number>> = {
  render: FUNCTION_SIZES.render.memoryMb,
  media: FUNCTION_SIZES.media.memoryMb,
  api: FUNCTION_SIZES.api.memoryMb,
};

/**
 * Per-frame time model of the render function. Defaults are from measurements on this project's
 * machines (2 vCPU, beginframe Chromium): ~2.5 s browser boot per chunk, plan and assemble ~0.6 s
 * fixed; the per-frame cost scales with the pixel count.
 */
export interface RenderTimeModel {
  /** Seconds to render and encode one 1280x720 frame. */
  readonly secondsPerFrameAt720p: number;
  /** Browser boot and plan download per chunk invocation. */
  readonly chunkOverheadSeconds: number;
  readonly planSeconds: number;
  readonly assembleFixedSeconds: number;
  /** Assemble's per-frame cost (stream copy and mux of the chunks). */
  readonly assembleSecondsPerFrame: number;
}

export const DEFAULT_RENDER_TIME_MODEL: RenderTimeModel = {
  secondsPerFrameAt720p: 0.06,
  chunkOverheadSeconds: 2.5,
  planSeconds: 3,
  assembleFixedSeconds: 0.6,
  assembleSecondsPerFrame: 0.002,
};

export interface RenderEstimateInput {
  readonly totalFrames: number;
  readonly width: number;
  readonly height: number;
  readonly chunkSize: number;
  /** Measured seconds per 720p frame, when the user has one (replaces the model's default). */
  readonly model?: Partial<RenderTimeModel>;
  readonly memoryMb?: number;
  /** Expected retries as a fraction of chunks (0.02 = 2 % of chunks run twice). */
  readonly retryRate?: number;
}

/** Fixed states around the Map (modules/state-machines/render.ts): the parallelism Choice and its default Pass, Plan, the chunk-count Choice, ListChunks, the Map itself, Assemble, Done. */
export const RENDER_FIXED_TRANSITIONS = 8;
/** Plan writes the manifest and artifacts; count a handful of each. */
const PLAN_ARTIFACT_REQUESTS = 8;

const round = (usd: number): number => Math.round(usd * 1e10) / 1e10;

const gbSeconds = (durationMs: number, memoryMb: number): number => (durationMs / 1000) * (memoryMb / 1024);

function breakdown(lines: CostLine[], assumptions: string[]): CostBreakdown {
  const rounded = lines.map((line) => ({ ...line, usd: round(line.usd) }));
  return {
    totalUsd: round(lines.reduce((sum, line) => sum + line.usd, 0)),
    lines: rounded,
    assumptions,
    notCounted: [...NOT_COUNTED],
  };
}

function s3Line(reads: number, writes: number, detail: string): CostLine {
  return {
    item: "s3Requests",
    quantity: reads + writes,
    unit: "requests",
    usd: reads * PRICES.s3PerReadRequest + writes * PRICES.s3PerWriteRequest,
    detail: `${writes} PUT/LIST + ${reads} GET (${detail})`,
  };
}

/** The estimate shown before a render starts: the figure and every assumption behind it. */
export function estimateRenderCost(input: RenderEstimateInput): CostBreakdown {
  const model = { ...DEFAULT_RENDER_TIME_MODEL, ...input.model };
  const memoryMb = input.memoryMb ?? DEFAULT_MEMORY_MB.render;
  const retryRate = input.retryRate ?? 0;
  const chunks = Math.max(0, Math.ceil(input.totalFrames / input.chunkSize));
  const pixelScale = (input.width * input.height) / (1280 * 720);
  const frameSeconds = model.secondsPerFrameAt720p * pixelScale;
  const chunkSeconds = chunks * model.chunkOverheadSeconds + input.totalFrames * frameSeconds;
  const retriedSeconds = chunkSeconds * retryRate;
  const assembleSeconds = model.assembleFixedSeconds + input.totalFrames * model.assembleSecondsPerFrame;
  const totalSeconds = model.planSeconds + chunkSeconds + retriedSeconds + assembleSeconds;
  const gbs = gbSeconds(totalSeconds * 1000, memoryMb);
  const invocations = 2 + chunks + Math.ceil(chunks * retryRate);
  const transitions = RENDER_FIXED_TRANSITIONS + chunks + Math.ceil(chunks * retryRate);
  // Writes: project upload, plan artifacts, one object per chunk, the output. Reads: each chunk reads
  // the manifest and a few artifacts; Assemble reads the manifest and every chunk.
  const writes = 1 + PLAN_ARTIFACT_REQUESTS + chunks + 1;
  const reads = 1 + chunks * 4 + chunks + 2;
  const lines: CostLine[] = [
    {
      item: "lambda",
      quantity: gbs,
      unit: "GB-s",
      usd: gbs * PRICES.lambdaPerGbSecond,
      detail: `${totalSeconds.toFixed(1)} s at ${memoryMb} MB (plan, ${chunks} chunks, assemble)`,
    },
    {
      item: "lambdaRequests",
      quantity: invocations,
      unit: "requests",
      usd: invocations * PRICES.lambdaPerRequest,
      detail: `${invocations} invocations`,
    },
    {
      item: "stepFunctions",
      quantity: transitions,
      unit: "transitions",
      usd: transitions * PRICES.sfnPerTransition,
      detail: `${RENDER_FIXED_TRANSITIONS} fixed + 1 per chunk${retryRate > 0 ? " + retries" : ""}`,
    },
    s3Line(reads, writes, "plan, chunks, assemble"),
  ];
  const assumptions = [
    `${input.totalFrames} frames at ${input.width}x${input.height} in ${chunks} chunks of ${input.chunkSize}`,
    `${frameSeconds.toFixed(3)} s per frame (${model.secondsPerFrameAt720p} s per 720p frame, scaled by pixels)`,
    `${model.chunkOverheadSeconds} s browser boot per chunk; plan ${model.planSeconds} s; assemble ${assembleSeconds.toFixed(1)} s`,
    `render function memory ${memoryMb} MB (x86_64)`,
    retryRate > 0 ? `${(retryRate * 100).toFixed(0)} % of chunks retried once` : "no retries",
    "S3 request counts are modelled, not measured",
  ];
  return breakdown(lines, assumptions);
}

/** Media pipeline time model: encode seconds per second of source for the whole CMAF ladder. */
export interface MediaTimeModel {
  readonly encodeSecondsPerSourceSecond: number;
  readonly fixedSeconds: number;
  /** Segments per second of video per rendition are ~1/4 (4 s segments). */
  readonly renditions: number;
}

export const DEFAULT_MEDIA_TIME_MODEL: MediaTimeModel = {
  encodeSecondsPerSourceSecond: 1.5,
  fixedSeconds: 10,
  renditions: 4,
};

/** Media state machine: ingest, prepare, transcode, thumbnails, transcription (start, wait loop, finish), complete. */
export const MEDIA_FIXED_TRANSITIONS = 9;

export interface MediaEstimateInput {
  readonly durationSeconds: number;
  readonly transcribe: boolean;
  readonly model?: Partial<MediaTimeModel>;
  readonly memoryMb?: number;
}

export function estimateMediaCost(input: MediaEstimateInput): CostBreakdown {
  const model = { ...DEFAULT_MEDIA_TIME_MODEL, ...input.model };
  const memoryMb = input.memoryMb ?? DEFAULT_MEMORY_MB.media;
  const seconds = model.fixedSeconds + input.durationSeconds * model.encodeSecondsPerSourceSecond;
  const gbs = gbSeconds(seconds * 1000, memoryMb);
  const segments = Math.ceil(input.durationSeconds / 4) * model.renditions;
  const writes = segments + model.renditions + 10;
  const reads = 4;
  const lines: CostLine[] = [
    {
      item: "lambda",
      quantity: gbs,
      unit: "GB-s",
      usd: gbs * PRICES.lambdaPerGbSecond,
      detail: `${seconds.toFixed(1)} s at ${memoryMb} MB`,
    },
    {
      item: "lambdaRequests",
      quantity: 8,
      unit: "requests",
      usd: 8 * PRICES.lambdaPerRequest,
      detail: "8 invocations",
    },
    {
      item: "stepFunctions",
      quantity: MEDIA_FIXED_TRANSITIONS,
      unit: "transitions",
      usd: MEDIA_FIXED_TRANSITIONS * PRICES.sfnPerTransition,
      detail: "one pass through the media workflow",
    },
    s3Line(reads, writes, `${segments} segments, manifests, thumbnails`),
  ];
  if (input.transcribe) lines.push(transcribeLine(input.durationSeconds));
  return breakdown(lines, [
    `${input.durationSeconds.toFixed(1)} s of source video`,
    `${model.encodeSecondsPerSourceSecond} s of encode per second of source (${model.renditions}-rung ladder, one ffmpeg)`,
    `media function memory ${memoryMb} MB (x86_64)`,
    input.transcribe ? "Amazon Transcribe on the whole duration" : "no transcription",
  ]);
}

function transcribeLine(durationSeconds: number): CostLine {
  const billedSeconds =
    durationSeconds > 0 ? Math.max(PRICES.transcribeMinimumSeconds, Math.ceil(durationSeconds)) : 0;
  const minutes = billedSeconds / 60;
  return {
    item: "transcribe",
    quantity: minutes,
    unit: "minutes",
    usd: minutes * PRICES.transcribePerMinute,
    detail: `${billedSeconds} s billed (per second, ${PRICES.transcribeMinimumSeconds} s minimum)`,
  };
}

/** One recorded function invocation (each attempt counts: retries are billed too). */
export interface InvocationRecord {
  readonly functionName: string;
  readonly durationMs: number;
  readonly memoryMb: number;
}

/** What a job actually used, as far as it has run (failed and cancelled jobs included). */
export interface UsageRecord {
  readonly invocations: readonly InvocationRecord[];
  readonly transitions: number;
  /** Seconds sent to Amazon Transcribe (0 on the local cloud's engine or when skipped). */
  readonly transcribeSeconds?: number;
  readonly s3Reads?: number;
  readonly s3Writes?: number;
  /** Say where a figure was not recorded but derived (e.g. "durations from history timestamps"). */
  readonly assumptions?: readonly string[];
}

/** Lambda bills duration rounded up to the next millisecond. */
export const billedMs = (durationMs: number): number => Math.max(1, Math.ceil(durationMs));

export function accruedCost(usage: UsageRecord): CostBreakdown {
  const gbs = usage.invocations.reduce(
    (sum, inv) => sum + gbSeconds(billedMs(inv.durationMs), inv.memoryMb),
    0,
  );
  const totalMs = usage.invocations.reduce((sum, inv) => sum + billedMs(inv.durationMs), 0);
  const lines: CostLine[] = [
    {
      item: "lambda",
      quantity: gbs,
      unit: "GB-s",
      usd: gbs * PRICES.lambdaPerGbSecond,
      detail: `${(totalMs / 1000).toFixed(1)} s over ${usage.invocations.length} invocations`,
    },
    {
      item: "lambdaRequests",
      quantity: usage.invocations.length,
      unit: "requests",
      usd: usage.invocations.length * PRICES.lambdaPerRequest,
      detail: `${usage.invocations.length} invocations`,
    },
    {
      item: "stepFunctions",
      quantity: usage.transitions,
      unit: "transitions",
      usd: usage.transitions * PRICES.sfnPerTransition,
      detail: "states entered, retries included",
    },
  ];
  if ((usage.transcribeSeconds ?? 0) > 0) lines.push(transcribeLine(usage.transcribeSeconds ?? 0));
  if (usage.s3Reads !== undefined || usage.s3Writes !== undefined) {
    lines.push(s3Line(usage.s3Reads ?? 0, usage.s3Writes ?? 0, "modelled from the job's shape"));
  }
  return breakdown(lines, [...(usage.assumptions ?? [])]);
}

/** `$0.0123` with enough digits to show sub-cent jobs, `$12.34` for large ones. */
export function formatUsd(usd: number): string {
  if (usd === 0) return "$0.00";
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  if (usd >= 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(6)}`;
}
