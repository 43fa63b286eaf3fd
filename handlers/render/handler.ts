import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { z } from "zod";
import { CHUNK_DIGEST_METADATA_KEY, parseS3Uri, type S3Location } from "../contracts/bucket-layout.js";
import { AppError, toAppError } from "../contracts/errors.js";
import { chunkCountFor, RENDER_LIMITS, type RenderConfig } from "../contracts/render-config.js";
import {
  AssembleEventSchema,
  type AssembleResult,
  PlanEventSchema,
  type PlanResult,
  RENDER_FORMAT_EXTENSIONS,
  RenderChunkEventSchema,
  type RenderChunkResult,
  type RenderResult,
} from "../contracts/render-events.js";
import { describeZodError } from "../contracts/zod-errors.js";
import { compositionSizeFromHtml, DEFAULT_FPS, FALLBACK_SIZE } from "./composition-defaults.js";
import {
  type DistributedRenderConfig,
  LOCAL_ARTIFACTS_DIR,
  LOCAL_MANIFEST_FILE,
  loadProducer,
  type PlanV2Artifact,
  type PlanV2Manifest,
  type ProducerApi,
  planBlobRelativePath,
} from "./producer-api.js";
import { mapProducerError } from "./producer-errors.js";
import { type ArchiveLimits, DEFAULT_ARCHIVE_LIMITS, extractProjectArchive } from "./project-archive.js";
import {
  type LambdaContextLike,
  prepareProducerRuntime,
  withChunkCaptureDefaults,
  withDeadline,
  withTempDir,
} from "./runtime.js";
import { downloadToFile, mapLimit, putBytes, uploadFile } from "./s3-transport.js";

/**
 * The `render` function: one entry for the render state machine's three steps, dispatched on `Action`.
 *
 *   plan         project archive -> v2 plan (manifest + content-addressed blobs) under <prefix>plan/
 *   renderChunk  downloads only its chunk's blobs (digests checked) -> chunk-NNNN.<ext> (+ sha256 metadata)
 *   assemble     downloads the assembler's blobs and every chunk (digests checked) -> OutputS3Uri
 *
 * Results are a few hundred bytes (types in handlers/contracts/render-events.ts).
 */

export interface RenderHandlerDeps {
  readonly s3: S3Client;
  /** The producer; loaded on first use unless given (tests pass a fake). */
  readonly producer?: () => Promise<ProducerApi>;
  /** Once-per-process setup before the producer runs (binaries, Chromium). */
  readonly prepareRuntime?: () => Promise<void>;
  /** Parent of the per-invocation temp folders (default: the OS temp dir, /tmp on Lambda). */
  readonly tmpRoot?: string;
  readonly archiveLimits?: ArchiveLimits;
  /** Stop this long before the Lambda deadline to kill children and report INVOCATION_TIMEOUT. */
  readonly deadlineMarginMs?: number;
  /** Parallel S3 transfers per invocation. */
  readonly transferConcurrency?: number;
}

export type RenderHandler = (event: unknown, context?: LambdaContextLike) => Promise<RenderResult>;

const CONTENT_TYPES = { mp4: "video/mp4", mov: "video/quicktime", webm: "video/webm" } as const;
export const PLAN_DIR_NAME = "plan/";
export const MANIFEST_NAME = "manifest.json";
export const ARTIFACTS_DIR_NAME = "artifacts/";
export const CHUNKS_DIR_NAME = "chunks/";

/** Where Plan writes under `PlanOutputS3Prefix` (see bucket-layout.ts). */
export function planLocations(planOutputPrefixUri: string): {
  manifestUri: string;
  artifactPrefixUri: string;
  chunkPrefixUri: string;
} {
  return {
    manifestUri: `${planOutputPrefixUri}${PLAN_DIR_NAME}${MANIFEST_NAME}`,
    artifactPrefixUri: `${planOutputPrefixUri}${PLAN_DIR_NAME}${ARTIFACTS_DIR_NAME}`,
    chunkPrefixUri: `${planOutputPrefixUri}${CHUNKS_DIR_NAME}`,
  };
}

/** `<ChunkOutputS3Prefix>chunk-NNNN.<ext>`: the same key as bucket-layout's chunkKey for renders/<job>/. */
export const chunkUri = (chunkPrefixUri: string, chunkIndex: number, extension: string): string =>
  `${chunkPrefixUri}chunk-${String(chunkIndex).padStart(4, "0")}.${extension}`;

const artifactLocation = (artifactPrefixUri: string, sha256: string): S3Location =>
  parseS3Uri(`${artifactPrefixUri}${planBlobRelativePath(sha256)}`);

/** Parses an event; problems under `Config` are INVALID_CONFIG, the rest INVALID_EVENT. Both name the field. */
export function parseEvent<S extends z.ZodType>(schema: S, event: unknown): z.output<S> {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const configIssue = result.error.issues.some((issue) => issue.path[0] === "Config");
  const fields = result.error.issues.map((issue) => issue.path.map(String).join("."));
  throw new AppError(configIssue ? "INVALID_CONFIG" : "INVALID_EVENT", describeZodError(result.error), {
    details: { fields },
  });
}

/** Our config to the producer's. `maxParallelChunks` is the Map's concurrency for us, not a chunk cap. */
export function toProducerConfig(
  config: RenderConfig,
  size: { width: number; height: number },
  abortSignal?: AbortSignal,
): DistributedRenderConfig {
  return {
    fps: config.fps ?? DEFAULT_FPS,
    width: config.width ?? size.width,
    height: config.height ?? size.height,
    format: config.format,
    quality: config.quality,
    chunkSize: config.chunkSize,
    maxParallelChunks: RENDER_LIMITS.maxChunks,
    // Offline: fonts come from the producer's bundled set; a Google Fonts fetch would fail.
    failClosedFontFetch: false,
    ...(abortSignal ? { abortSignal } : {}),
  };
}

function validateWithProducer(producer: ProducerApi, config: DistributedRenderConfig): void {
  // The producer's validator caps maxParallelChunks at 256 and knows nothing of our meaning of it.
  const {
    abortSignal: _signal,
    maxParallelChunks: _max,
    logger: _logger,
    producerConfig: _pc,
    ...serializable
  } = config;
  try {
    producer.validateDistributedRenderConfig(serializable);
  } catch (err) {
    const field = (err as { field?: unknown }).field;
    const name = typeof field === "string" ? field.replace(/^config\./, "Config.") : "Config";
    throw new AppError(
      "INVALID_CONFIG",
      `${name}: ${(err as Error).message.replace(/^\[validateConfig\]\s*/, "")}`,
      {
        cause: err,
        details: { fields: [name] },
      },
    );
  }
}

export function makeRenderHandler(deps: RenderHandlerDeps): RenderHandler {
  const limits = deps.archiveLimits ?? DEFAULT_ARCHIVE_LIMITS;
  const concurrency = deps.transferConcurrency ?? 8;
  const margin = deps.deadlineMarginMs ?? 5_000;
  let producerPromise: Promise<ProducerApi> | undefined;
  let runtimePromise: Promise<void> | undefined;

  const producer = (): Promise<ProducerApi> => {
    producerPromise ??= (deps.producer ?? loadProducer)();
    producerPromise.catch(() => {
      producerPromise = undefined;
    });
    return producerPromise;
  };
  const runtime = (): Promise<void> => {
    runtimePromise ??= (deps.prepareRuntime ?? prepareProducerRuntime)();
    runtimePromise.catch(() => {
      runtimePromise = undefined;
    });
    return runtimePromise;
  };

  /** Downloads the manifest into `<dir>/plan.json`, checks it and the expected plan hash. */
  async function fetchManifest(
    dir: string,
    manifestUri: string,
    planHash: string,
    signal: AbortSignal,
  ): Promise<Readonly<PlanV2Manifest>> {
    await downloadToFile(deps.s3, parseS3Uri(manifestUri), join(dir, LOCAL_MANIFEST_FILE), {
      notFound: "INVALID_EVENT",
      abortSignal: signal,
    });
    let manifest: Readonly<PlanV2Manifest>;
    try {
      manifest = (await producer()).readPlanV2Manifest(dir);
    } catch (err) {
      throw mapProducerError(err, "PLAN_HASH_MISMATCH");
    }
    if (manifest.planHash !== planHash) {
      throw new AppError(
        "PLAN_HASH_MISMATCH",
        `The plan at ${manifestUri} has hash ${manifest.planHash}, the event expects ${planHash}.`,
      );
    }
    return manifest;
  }

  async function fetchArtifacts(
    dir: string,
    artifactPrefixUri: string,
    artifacts: readonly Readonly<PlanV2Artifact>[],
    signal: AbortSignal,
  ): Promise<void> {
    // Several paths may share one blob: fetch each digest once.
    const digests = [...new Set(artifacts.map((artifact) => artifact.sha256))];
    await mapLimit(digests, concurrency, (sha256) =>
      downloadToFile(
        deps.s3,
        artifactLocation(artifactPrefixUri, sha256),
        join(dir, LOCAL_ARTIFACTS_DIR, planBlobRelativePath(sha256)),
        {
          expectedSha256: sha256,
          notFound: "DIGEST_MISMATCH",
          abortSignal: signal,
        },
      ),
    );
  }

  async function plan(raw: unknown, signal: AbortSignal, tmp: string): Promise<PlanResult> {
    const started = Date.now();
    const event = parseEvent(PlanEventSchema, raw);
    const api = await producer();
    // Check the config before any work, with a stand-in size when the composition decides it.
    validateWithProducer(api, toProducerConfig(event.Config, FALLBACK_SIZE));
    await runtime();

    const archive = join(tmp, "project.tar.gz");
    await downloadToFile(deps.s3, parseS3Uri(event.ProjectS3Uri), archive, {
      maxBytes: limits.maxArchiveBytes,
      tooLarge: "PROJECT_TOO_LARGE",
      notFound: "INVALID_EVENT",
      abortSignal: signal,
    });
    const extracted = join(tmp, "project");
    await mkdir(extracted);
    const projectDir = await extractProjectArchive(archive, extracted, limits);
    const size =
      compositionSizeFromHtml(await readFile(join(projectDir, "index.html"), "utf8")) ?? FALLBACK_SIZE;
    const config = toProducerConfig(event.Config, size, signal);
    validateWithProducer(api, config);

    const planDir = join(tmp, "plan");
    let result: Awaited<ReturnType<ProducerApi["planV2"]>>;
    try {
      result = await api.planV2(projectDir, config, planDir);
    } catch (err) {
      throw mapProducerError(err);
    }
    if (result.totalFrames <= 0) throw new AppError("NO_CHUNKS", "The composition has no frames to render.");
    const wanted = chunkCountFor(result.totalFrames, event.Config.chunkSize);
    if (wanted > RENDER_LIMITS.maxChunks || result.chunkCount > RENDER_LIMITS.maxChunks) {
      throw new AppError(
        "TOO_MANY_CHUNKS",
        `${result.totalFrames} frames at chunkSize ${event.Config.chunkSize} make ${wanted} chunks; the limit is ${RENDER_LIMITS.maxChunks}. Use chunkSize >= ${Math.ceil(result.totalFrames / RENDER_LIMITS.maxChunks)}.`,
        { details: { field: "Config.chunkSize", chunks: wanted, limit: RENDER_LIMITS.maxChunks } },
      );
    }

    const manifestText = await readFile(join(planDir, LOCAL_MANIFEST_FILE), "utf8");
    const manifest = api.readPlanV2Manifest(planDir);
    const locations = planLocations(event.PlanOutputS3Prefix);
    const digests = [...new Set(manifest.artifacts.map((artifact) => artifact.sha256))];
    await mapLimit(digests, concurrency, (sha256) =>
      uploadFile(
        deps.s3,
        artifactLocation(locations.artifactPrefixUri, sha256),
        join(planDir, LOCAL_ARTIFACTS_DIR, planBlobRelativePath(sha256)),
        {
          metadata: { [CHUNK_DIGEST_METADATA_KEY]: sha256 },
        },
      ),
    );
    // The manifest goes last, so a reader never sees it before every blob it names.
    await putBytes(deps.s3, parseS3Uri(locations.manifestUri), manifestText, "application/json");

    const audio = manifest.artifacts.find(
      (artifact) => artifact.assembler && api.isPlanAudioArtifactPath(artifact.path),
    );
    return {
      Action: "plan",
      PlanProtocol: "v2",
      PlanHash: manifest.planHash,
      ChunkCount: manifest.chunkCount,
      TotalFrames: manifest.totalFrames,
      Fps: manifest.fps,
      Width: manifest.width,
      Height: manifest.height,
      Format: event.Config.format,
      HasAudio: audio !== undefined,
      AudioS3Uri: audio ? `${locations.artifactPrefixUri}${planBlobRelativePath(audio.sha256)}` : null,
      PlanV2ManifestS3Uri: locations.manifestUri,
      PlanV2ArtifactS3Prefix: locations.artifactPrefixUri,
      ChunkOutputS3Prefix: locations.chunkPrefixUri,
      FfmpegVersion: manifest.ffmpegVersion,
      ProducerVersion: manifest.producerVersion,
      DurationMs: Date.now() - started,
    };
  }

  async function renderChunk(raw: unknown, signal: AbortSignal, tmp: string): Promise<RenderChunkResult> {
    const started = Date.now();
    const event = parseEvent(RenderChunkEventSchema, raw);
    const planDir = join(tmp, "plan");
    const manifest = await fetchManifest(planDir, event.PlanV2ManifestS3Uri, event.PlanHash, signal);
    if (event.ChunkIndex >= manifest.chunkCount) {
      throw new AppError(
        "CHUNK_INDEX_OUT_OF_RANGE",
        `ChunkIndex ${event.ChunkIndex} is not in the plan (chunks 0..${manifest.chunkCount - 1}).`,
      );
    }
    checkFormat(manifest, event.Format);
    const api = await producer();
    await fetchArtifacts(
      planDir,
      event.PlanV2ArtifactS3Prefix,
      api.listPlanV2ArtifactsForTarget(manifest, { role: "chunk", chunkIndex: event.ChunkIndex }),
      signal,
    );
    await runtime();

    const extension = RENDER_FORMAT_EXTENSIONS[event.Format];
    const output = join(tmp, `chunk.${extension}`);
    let result: Awaited<ReturnType<ProducerApi["renderChunkV2"]>>;
    try {
      // One capture worker (one Chromium) per chunk unless the env overrides it: see runtime.ts.
      result = await withChunkCaptureDefaults(() => api.renderChunkV2(planDir, event.ChunkIndex, output));
    } catch (err) {
      throw mapProducerError(
        signal.aborted
          ? new AppError("INVOCATION_TIMEOUT", "Aborted at the invocation deadline.", { cause: err })
          : err,
      );
    }
    const target = chunkUri(event.ChunkOutputS3Prefix, event.ChunkIndex, extension);
    await uploadFile(deps.s3, parseS3Uri(target), output, {
      metadata: { [CHUNK_DIGEST_METADATA_KEY]: result.sha256 },
      contentType: CONTENT_TYPES[event.Format],
    });
    return {
      Action: "renderChunk",
      ChunkS3Uri: target,
      ChunkIndex: event.ChunkIndex,
      Sha256: result.sha256,
      FramesEncoded: result.framesEncoded,
      DurationMs: Date.now() - started,
    };
  }

  async function assemble(raw: unknown, signal: AbortSignal, tmp: string): Promise<AssembleResult> {
    const started = Date.now();
    const event = parseEvent(AssembleEventSchema, raw);
    const planDir = join(tmp, "plan");
    const manifest = await fetchManifest(planDir, event.PlanV2ManifestS3Uri, event.PlanHash, signal);
    checkFormat(manifest, event.Format);
    const extension = RENDER_FORMAT_EXTENSIONS[event.Format];
    const chunkUris =
      event.ChunkS3Uris ??
      Array.from({ length: event.ChunkCount ?? 0 }, (_, index) =>
        chunkUri(event.ChunkOutputS3Prefix ?? "", index, extension),
      );
    if (chunkUris.length !== manifest.chunkCount) {
      throw new AppError(
        "INVALID_EVENT",
        `The event names ${chunkUris.length} chunks; the plan has ${manifest.chunkCount}.`,
        {
          details: { fields: [event.ChunkS3Uris ? "ChunkS3Uris" : "ChunkCount"] },
        },
      );
    }
    const api = await producer();
    await fetchArtifacts(
      planDir,
      event.PlanV2ArtifactS3Prefix,
      api.listPlanV2ArtifactsForTarget(manifest, { role: "assembler" }),
      signal,
    );
    const chunkPaths = await mapLimit(chunkUris, concurrency, async (uri, index) => {
      const path = join(tmp, "chunks", `chunk-${String(index).padStart(4, "0")}.${extension}`);
      const downloaded = await downloadToFile(deps.s3, parseS3Uri(uri), path, {
        notFound: "INVALID_EVENT",
        abortSignal: signal,
      });
      const recorded = downloaded.metadata[CHUNK_DIGEST_METADATA_KEY];
      // Chunks from HyperFrames' own clients may lack the metadata; ours always carry it.
      if (recorded !== undefined && recorded !== downloaded.sha256) {
        throw new AppError(
          "DIGEST_MISMATCH",
          `Chunk ${uri} hashed to ${downloaded.sha256}, its metadata says ${recorded}.`,
        );
      }
      return path;
    });
    await runtime();

    const output = join(tmp, `output.${extension}`);
    let result: Awaited<ReturnType<ProducerApi["assembleV2"]>>;
    try {
      result = await api.assembleV2(planDir, chunkPaths, output);
    } catch (err) {
      throw mapProducerError(err, "TRANSCODE_FAILED");
    }
    const sha256 = await sha256File(output);
    await uploadFile(deps.s3, parseS3Uri(event.OutputS3Uri), output, {
      metadata: { [CHUNK_DIGEST_METADATA_KEY]: sha256 },
      contentType: CONTENT_TYPES[event.Format],
    });
    return {
      Action: "assemble",
      OutputS3Uri: event.OutputS3Uri,
      FramesEncoded: result.framesEncoded,
      FileSize: result.fileSize,
      Sha256: sha256,
      DurationMs: Date.now() - started,
    };
  }

  const actions = { plan, renderChunk, assemble } as const;

  return async (event: unknown, context?: LambdaContextLike): Promise<RenderResult> => {
    const action = (event as { Action?: unknown } | null)?.Action;
    if (typeof action !== "string" || !Object.hasOwn(actions, action)) {
      throw new AppError(
        "INVALID_EVENT",
        `Action: must be one of ${Object.keys(actions).join(", ")}; got ${JSON.stringify(action)}`,
        {
          details: { fields: ["Action"] },
        },
      );
    }
    const run: (event: unknown, signal: AbortSignal, tmp: string) => Promise<RenderResult> =
      actions[action as keyof typeof actions];
    try {
      return await withTempDir(deps.tmpRoot, `render-${action}-`, (tmp) =>
        withDeadline(context, margin, (signal) => run(event, signal, tmp)),
      );
    } catch (err) {
      throw toAppError(err, "RENDER_FAILED");
    }
  };
}

function checkFormat(manifest: Readonly<PlanV2Manifest>, format: string): void {
  if (manifest.format !== format) {
    throw new AppError(
      "INVALID_EVENT",
      `Format: the plan renders ${manifest.format}, the event says ${format}.`,
      {
        details: { fields: ["Format"] },
      },
    );
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
