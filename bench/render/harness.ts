import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { create as createTar } from "tar";
import { parseS3Uri, projectKey, s3Uri } from "../../handlers/contracts/bucket-layout.js";
import { RETRYABLE_ERROR_NAMES } from "../../handlers/contracts/errors.js";
import type { RenderConfigInput } from "../../handlers/contracts/render-config.js";
import {
  type AssembleResult,
  assembleEventFor,
  type PlanResult,
  type RenderChunkResult,
  renderChunkEventFor,
} from "../../handlers/contracts/render-events.js";
import { s3ClientOptions } from "../../handlers/contracts/s3-client-options.js";
import { compositionSizeFromHtml, DEFAULT_FPS } from "../../handlers/render/composition-defaults.js";
import type { RenderHandler } from "../../handlers/render/handler.js";
import { CHUNK_CAPTURE_ENV_DEFAULTS, withChunkCaptureDefaults } from "../../handlers/render/runtime.js";
import { mapLimit } from "../../handlers/render/s3-transport.js";
import { ffmpegPath, ffprobePath } from "../../handlers/shared/binaries.js";
import { makePutsAtomic } from "../../local/s3/atomic-puts.js";
import { allowedCores, onOneCore } from "../../local/workers/cpu-pinning.js";

/**
 * Shared by the render integration tests and bench/render: an in-process s3rver on 127.0.0.1, fixture
 * packing, the Plan -> RenderChunk (Map) -> Assemble sequence through the handler, the producer run
 * directly, its in-process render, and ffprobe/PSNR measurements.
 */

const run = promisify(execFile);
export const FIXTURES_DIR = resolve(import.meta.dirname, "../../fixtures/compositions");
export const fixtureDir = (name: string): string => join(FIXTURES_DIR, name);

export interface LocalS3 {
  readonly endpoint: string;
  readonly bucket: string;
  readonly client: S3Client;
  close(): Promise<void>;
}

export async function startLocalS3(directory: string, bucket = "render-test"): Promise<LocalS3> {
  await mkdir(directory, { recursive: true });
  const server = new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true });
  makePutsAtomic(server);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client(
    s3ClientOptions({
      endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    }),
  );
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    bucket,
    client,
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}

/** `tar -czf <out> -C <dir> .` in JavaScript; returns the archive's SHA-256. */
export async function packProject(dir: string, out: string): Promise<string> {
  await createTar({ gzip: true, file: out, cwd: dir, portable: true }, ["."]);
  return sha256Hex(await readFile(out));
}

export const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** Packs a fixture and uploads it to projects/<sha256>.tar.gz; returns its s3:// URI. */
export async function uploadProject(s3: LocalS3, dir: string, scratch: string): Promise<string> {
  const archive = join(scratch, `project-${Date.now()}-${Math.random().toString(16).slice(2)}.tar.gz`);
  const sha = await packProject(dir, archive);
  const key = projectKey(sha);
  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: await readFile(archive) }));
  return s3Uri(s3.bucket, key);
}

export interface PipelineRun {
  readonly plan: PlanResult;
  readonly chunks: RenderChunkResult[];
  readonly assemble: AssembleResult;
  readonly outputPath: string;
  readonly timings: { planMs: number; chunksMs: number; assembleMs: number; totalMs: number };
}

/** What the render state machine does, in-process: Plan, a Map over chunks, Assemble. */
export async function runPipeline(options: {
  handler: RenderHandler;
  s3: LocalS3;
  projectUri: string;
  jobId: string;
  config: RenderConfigInput;
  chunkConcurrency: number;
  downloadTo: string;
}): Promise<PipelineRun> {
  const { handler, s3, jobId } = options;
  const prefix = s3Uri(s3.bucket, `renders/${jobId}/`);
  const outputUri = s3Uri(s3.bucket, `outputs/${jobId}/out.${options.config.format ?? "mp4"}`);
  const t0 = Date.now();
  const plan = (await handler({
    Action: "plan",
    ProjectS3Uri: options.projectUri,
    PlanOutputS3Prefix: prefix,
    Config: options.config,
  })) as PlanResult;
  const t1 = Date.now();
  const indexes = Array.from({ length: plan.ChunkCount }, (_, i) => i);
  const chunks = await mapLimit(
    indexes,
    options.chunkConcurrency,
    async (index) =>
      (await renderChunkWithRetry(handler, renderChunkEventFor(plan, index))) as RenderChunkResult,
  );
  const t2 = Date.now();
  const assemble = (await handler(assembleEventFor(plan, outputUri))) as AssembleResult;
  const t3 = Date.now();
  const object = await s3.client.send(
    new GetObjectCommand({ Bucket: s3.bucket, Key: `outputs/${jobId}/out.${plan.Format}` }),
  );
  await writeFile(
    options.downloadTo,
    await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
  return {
    plan,
    chunks,
    assemble,
    outputPath: options.downloadTo,
    timings: { planMs: t1 - t0, chunksMs: t2 - t1, assembleMs: t3 - t2, totalMs: t3 - t0 },
  };
}

/**
 * One RenderChunk, retried once on a retryable error as the state machine's Retry does (the producer
 * sometimes fails a `<video>` chunk's encode on a loaded machine); a retry must give the same bytes.
 */
async function renderChunkWithRetry(handler: RenderHandler, event: object): Promise<unknown> {
  try {
    return await handler(event);
  } catch (err) {
    if (!(RETRYABLE_ERROR_NAMES as readonly string[]).includes((err as Error).name)) throw err;
    console.warn(
      `RenderChunk failed with ${(err as Error).name}, retrying once: ${(err as Error).message.slice(0, 200)}`,
    );
    return await handler(event);
  }
}

/** The config the handler hands the producer, for running the producer directly with the same one. */
export async function producerConfigFor(projectDir: string, chunkSize: number) {
  const size = compositionSizeFromHtml(await readFile(join(projectDir, "index.html"), "utf8"));
  if (!size) throw new Error(`${projectDir}/index.html declares no data-width/data-height`);
  return {
    fps: DEFAULT_FPS,
    width: size.width,
    height: size.height,
    format: "mp4" as const,
    quality: "standard" as const,
    chunkSize,
    maxParallelChunks: 1000,
    failClosedFontFetch: false,
  };
}

/**
 * The producer's own distributed run on local paths: planV2 -> renderChunkV2 x N -> assembleV2. Chunks
 * render with the handler's capture-worker settings (withChunkCaptureDefaults: one Chromium per chunk
 * unless the env says otherwise), so both sides capture a chunk the same way.
 */
export async function runProducerDirect(
  projectDir: string,
  chunkSize: number,
  workDir: string,
  out: string,
): Promise<string[]> {
  const { planV2, renderChunkV2, assembleV2 } = await import("@hyperframes/producer/distributed");
  const planDir = directPlanDir(workDir);
  const plan = await planV2(projectDir, await producerConfigFor(projectDir, chunkSize), planDir);
  const chunkPaths: string[] = [];
  const shas: string[] = [];
  for (let index = 0; index < plan.chunkCount; index++) {
    const path = join(workDir, `chunk-${index}.mp4`);
    shas.push((await withChunkCaptureDefaults(() => renderChunkV2(planDir, index, path))).sha256);
    chunkPaths.push(path);
  }
  await assembleV2(planDir, chunkPaths, out);
  return shas;
}

/**
 * runProducerDirect in a child process started on one core, as the local cloud runs render invocations
 * (local/workers/cpu-pinning.ts): chunk bytes depend on the CPU count ffmpeg sees, so a comparison with
 * a local-cloud render must see the same count. Runs unpinned where pinning is unavailable, as the
 * local cloud does.
 */
export async function runProducerDirectOnOneCore(
  projectDir: string,
  chunkSize: number,
  workDir: string,
  out: string,
): Promise<string[]> {
  const [command, args] = onOneCore(allowedCores()[0] ?? 0, process.execPath, [
    "--import",
    import.meta.resolve("tsx"),
    fileURLToPath(new URL("./direct-run.ts", import.meta.url)),
    projectDir,
    String(chunkSize),
    workDir,
    out,
  ]);
  const { stdout } = await run(command, args, { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "[]") as string[];
}

/** Where runProducerDirect(…, workDir, …) leaves its v2 plan. */
export const directPlanDir = (workDir: string): string => join(workDir, "plan");

/** The producer's own assembleV2 over a local plan and chunk files. */
export async function assembleDirect(planDir: string, chunkPaths: string[], out: string): Promise<void> {
  const { assembleV2 } = await import("@hyperframes/producer/distributed");
  await assembleV2(planDir, chunkPaths, out);
}

/** Downloads an s3:// object of the local S3 to `path`; returns its bytes. */
export async function downloadS3Uri(s3: LocalS3, uri: string, path: string): Promise<Uint8Array> {
  const { bucket, key } = parseS3Uri(uri);
  const object = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
  await writeFile(path, bytes);
  return bytes;
}

/**
 * A v2 plan's artifacts as `path -> sha256`, minus the two entries that embed the planner's temp path
 * (meta/videos.json records the extracted clip's absolute `srcPath`, plan.json hashes it): everything
 * else is content-addressed and must match between two plans of the same project and config.
 */
export function planContentDigests(manifest: { artifacts: Array<{ path: string; sha256: string }> }) {
  const pathBound = new Set(["meta/videos.json", "plan.json"]);
  return Object.fromEntries(
    manifest.artifacts
      .filter((artifact) => !pathBound.has(artifact.path))
      .map((artifact) => [artifact.path, artifact.sha256] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/**
 * The producer's in-process render (createRenderJob + executeRenderJob), in beginframe mode, with the
 * producer's OWN capture-worker sizing: the variables the render handler sets for its chunks
 * (CHUNK_CAPTURE_ENV_DEFAULTS) are cleared for the run and restored after, so an override meant for the
 * chunks does not slow the baseline down and ratios against it stay honest.
 */
export async function renderInProcess(projectDir: string, out: string): Promise<void> {
  const overrides: Record<string, string | undefined> = { PRODUCER_FORCE_SCREENSHOT: "false" };
  for (const key of Object.keys(CHUNK_CAPTURE_ENV_DEFAULTS)) overrides[key] = undefined;
  const previous = Object.fromEntries(Object.keys(overrides).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  try {
    const { createRenderJob, executeRenderJob } = await import("@hyperframes/producer");
    const render = () =>
      executeRenderJob(
        createRenderJob({ fps: DEFAULT_FPS, quality: "standard", format: "mp4" }),
        projectDir,
        out,
      );
    try {
      await render();
    } catch (err) {
      // The producer now and then captures an unreadable JPEG for a `<video>` page (its ffmpeg then
      // fails with "unspecified size"); it is upstream's, so the baseline gets one more try.
      if (!/FFmpeg exited/.test((err as Error).message)) throw err;
      console.warn(`in-process render failed, retrying once: ${(err as Error).message.slice(0, 120)}`);
      await render();
    }
  } finally {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

export interface MediaFacts {
  readonly frames: number;
  readonly durationSeconds: number;
  readonly hasAudio: boolean;
  readonly width: number;
  readonly height: number;
}

export async function probeMedia(path: string): Promise<MediaFacts> {
  const { stdout } = await run(ffprobePath(), [
    "-v",
    "error",
    "-count_frames",
    "-show_entries",
    "stream=codec_type,nb_read_frames,width,height:format=duration",
    "-of",
    "json",
    path,
  ]);
  const parsed = JSON.parse(stdout) as {
    streams: Array<{ codec_type: string; nb_read_frames?: string; width?: number; height?: number }>;
    format: { duration?: string };
  };
  const video = parsed.streams.find((stream) => stream.codec_type === "video");
  return {
    frames: Number(video?.nb_read_frames ?? 0),
    durationSeconds: Number(parsed.format.duration ?? 0),
    hasAudio: parsed.streams.some((stream) => stream.codec_type === "audio"),
    width: video?.width ?? 0,
    height: video?.height ?? 0,
  };
}

/** Per-frame PSNR (the `psnr` filter's `psnr_avg`, dB) of `distorted` against `reference`. */
export async function psnr(
  distorted: string,
  reference: string,
  scratch: string,
): Promise<{ avg: number; min: number; frames: number; perFrame: number[] }> {
  const stats = join(scratch, `psnr-${Date.now()}-${Math.random().toString(16).slice(2)}.log`);
  await run(
    ffmpegPath(),
    [
      "-hide_banner",
      "-nostats",
      "-i",
      distorted,
      "-i",
      reference,
      "-lavfi",
      `[0:v][1:v]psnr=stats_file=${stats}`,
      "-f",
      "null",
      "-",
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const values = (await readFile(stats, "utf8"))
    .split("\n")
    .map((line) => /psnr_avg:(\S+)/.exec(line)?.[1])
    .filter((value): value is string => value !== undefined)
    .map((value) => (value === "inf" ? 100 : Number(value)));
  if (values.length === 0) throw new Error("ffmpeg psnr produced no frames");
  return {
    avg: values.reduce((sum, value) => sum + value, 0) / values.length,
    min: Math.min(...values),
    frames: values.length,
    perFrame: values,
  };
}
