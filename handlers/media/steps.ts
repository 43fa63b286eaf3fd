import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROCESSED_FILES, processedKey, processedPrefix, statusKey } from "../contracts/bucket-layout.js";
import { AppError } from "../contracts/errors.js";
import type { Rendition, VideoStatus } from "../contracts/video-status.js";
import type { MediaContext, MediaDeps } from "./deps.js";
import type { TranscriptionOutcome } from "./events.js";
import {
  dimensionsProbeArgs,
  posterArgs,
  probeArgs,
  spriteArgs,
  spriteFileName,
  TRANSCODE_OUTPUT,
  transcodeArgs,
} from "./ffmpeg/args.js";
import { FfprobeError, runFfmpeg, runFfprobe } from "./ffmpeg/run.js";
import { finalizeHlsMaster, finalizeMediaPlaylist, type HlsVariant, parseHlsVariants } from "./manifests.js";
import { type MediaPlan, parseProbe, planMedia } from "./plan.js";
import { progressReporter, readStatus, type StatusBase, updateStatus } from "./status.js";
import {
  deleteKeys,
  downloadToFile,
  getText,
  listKeys,
  putFile,
  putText,
  withConcurrency,
} from "./storage.js";
import { thumbnailsVtt } from "./webvtt.js";

/** Percent ranges of each step in the status document. */
const PROGRESS = {
  prepare: 2,
  transcode: [5, 80],
  thumbnails: [80, 90],
  transcribe: 92,
  complete: 100,
} as const;
const UPLOAD_CONCURRENCY = 8;
/** Time kept back from the Lambda deadline to report an ffmpeg failure instead of being killed. */
const DEADLINE_MARGIN_MS = 20_000;

interface SourceEvent {
  bucket: string;
  key: string;
  size: number;
  videoId: string;
  fileName: string;
}

const baseOf = (event: SourceEvent): StatusBase => ({
  videoId: event.videoId,
  fileName: event.fileName,
  source: { bucket: event.bucket, key: event.key, size: event.size },
});

const now = (deps: MediaDeps): Date => deps.now?.() ?? new Date();

async function withTempDir<T>(deps: MediaDeps, run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(deps.tmpDir ?? tmpdir(), "media-"));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** How long ffmpeg may run in this invocation: the function timeout, or less when Lambda says so. */
function processTimeoutMs(deps: MediaDeps, context: MediaContext | undefined): number {
  const configured = deps.config.mediaTimeoutSeconds * 1000 - DEADLINE_MARGIN_MS;
  const remaining = context?.getRemainingTimeInMillis?.();
  return Math.max(
    5_000,
    remaining === undefined ? configured : Math.min(configured, remaining - DEADLINE_MARGIN_MS),
  );
}

// ── prepare ───────────────────────────────────────────────────────────────────────────────────────

export interface PrepareResult {
  Action: "prepare";
  alreadyComplete: boolean;
  transcribe: boolean;
  subtitlesSkippedReason: string | null;
  plan: MediaPlan | null;
}

/**
 * Dedupe (a completed video is not redone unless reprocessing), probe, plan the ladder and refuse what
 * cannot work, then mark the video `processing`.
 */
export async function prepare(
  deps: MediaDeps,
  event: SourceEvent & { reprocess: boolean },
): Promise<PrepareResult> {
  const { s3, config } = deps;
  const existing = await readStatus(s3, event.bucket, event.videoId);
  if (existing?.status === "processing_complete" && !event.reprocess) {
    return {
      Action: "prepare",
      alreadyComplete: true,
      transcribe: false,
      subtitlesSkippedReason: null,
      plan: null,
    };
  }
  await updateStatus(
    s3,
    event.bucket,
    baseOf(event),
    { status: "processing", step: "prepare", percent: PROGRESS.prepare, error: undefined },
    now(deps),
  );
  if (event.reprocess) {
    // A new ladder may name other segments: start from an empty folder (the status stays).
    const stale = (await listKeys(s3, event.bucket, processedPrefix(event.videoId)))
      .map((item) => item.key)
      .filter((key) => key !== statusKey(event.videoId));
    await deleteKeys(s3, event.bucket, stale);
  }
  if (event.size === 0) throw new AppError("EMPTY_UPLOAD", `${event.fileName} is empty (0 bytes)`);

  const plan = await withTempDir(deps, async (dir) => {
    const local = join(dir, "source");
    await downloadToFile(s3, event.bucket, event.key, local);
    let stdout: string;
    try {
      stdout = await runFfprobe(probeArgs(local), { ffprobePath: config.ffprobePath, timeoutMs: 60_000 });
    } catch (err) {
      if (err instanceof FfprobeError) {
        throw new AppError("UNSUPPORTED_MEDIA", `${event.fileName} is not a readable video: ${err.message}`, {
          cause: err,
        });
      }
      throw err;
    }
    return planMedia(parseProbe(stdout, event.fileName), config, event.fileName);
  });

  let subtitlesSkippedReason: string | null = null;
  if (!config.generateSubtitles)
    subtitlesSkippedReason = "subtitles are switched off (GENERATE_SUBTITLES=false)";
  else if (config.transcriptionEngine === "none")
    subtitlesSkippedReason = "no speech-to-text engine (TRANSCRIPTION_ENGINE=none)";
  else if (!plan.source.hasAudio) subtitlesSkippedReason = "the video has no audio track";
  return {
    Action: "prepare",
    alreadyComplete: false,
    transcribe: subtitlesSkippedReason === null,
    subtitlesSkippedReason,
    plan,
  };
}

// ── transcode ─────────────────────────────────────────────────────────────────────────────────────

export interface TranscodeResult {
  Action: "transcode";
  renditions: Rendition[];
  durationMs: number;
}

/** One ffmpeg pass: every rung, CMAF segments, HLS + DASH; playlists fixed up, then uploaded. */
export async function transcode(
  deps: MediaDeps,
  event: SourceEvent & { plan: MediaPlan },
  context?: MediaContext,
): Promise<TranscodeResult> {
  const { s3, config } = deps;
  const started = Date.now();
  const [from, to] = PROGRESS.transcode;
  const setProgress = (percent: number) =>
    updateStatus(
      s3,
      event.bucket,
      baseOf(event),
      { status: "processing", step: "transcode", percent },
      now(deps),
    );
  await setProgress(from);
  const reporter = progressReporter(
    (p) => setProgress(from + ((to - from) * p) / 100),
    deps.progressIntervalMs,
  );

  return withTempDir(deps, async (dir) => {
    const source = join(dir, "source");
    const out = join(dir, "out");
    await downloadToFile(s3, event.bucket, event.key, source);
    await rmAndMkdir(out);
    const wantsAudio =
      config.generateSubtitles && config.transcriptionEngine !== "none" && event.plan.audioBitrate !== null;
    const audioPath = join(dir, "transcription-audio.flac");
    await runFfmpeg(
      transcodeArgs(event.plan, source, out, wantsAudio ? { transcriptionAudioPath: audioPath } : {}),
      {
        ffmpegPath: config.ffmpegPath,
        timeoutMs: processTimeoutMs(deps, context),
        durationSeconds: event.plan.source.durationSeconds,
        onProgress: reporter.report,
        label: `transcode ${event.fileName}`,
      },
    );
    await reporter.flush();

    // Post-process ffmpeg's playlists: VOD type, independent segments, variants checked and sorted.
    const files = await readdir(out);
    for (const name of files.filter((file) => TRANSCODE_OUTPUT.mediaPlaylist.test(file))) {
      const path = join(out, name);
      await writeFile(path, finalizeMediaPlaylist(await readFile(path, "utf8")));
    }
    const masterPath = join(out, TRANSCODE_OUTPUT.hlsMaster);
    let master: string;
    try {
      master = finalizeHlsMaster(await readFile(masterPath, "utf8"));
    } catch (err) {
      throw new AppError(
        "TRANSCODE_FAILED",
        `transcode ${event.fileName}: bad HLS master: ${(err as Error).message}`,
        { cause: err },
      );
    }
    await writeFile(masterPath, master);
    if (!event.plan.generateDash) await rm(join(out, TRANSCODE_OUTPUT.dashManifest), { force: true });

    // Segments first, playlists and manifest last: a manifest never points at a missing segment.
    const names = (await readdir(out)).filter((name) => name !== TRANSCODE_OUTPUT.hlsMaster);
    const isIndex = (name: string) => name.endsWith(".m3u8") || name.endsWith(".mpd");
    await withConcurrency(
      names.filter((name) => !isIndex(name)),
      UPLOAD_CONCURRENCY,
      async (name) =>
        void (await putFile(s3, event.bucket, processedKey(event.videoId, name), join(out, name))),
    );
    if (wantsAudio) {
      await putFile(
        s3,
        event.bucket,
        processedKey(event.videoId, PROCESSED_FILES.transcriptionAudio),
        audioPath,
      );
    }
    await withConcurrency(
      names.filter(isIndex),
      UPLOAD_CONCURRENCY,
      async (name) =>
        void (await putFile(s3, event.bucket, processedKey(event.videoId, name), join(out, name))),
    );
    await putFile(s3, event.bucket, processedKey(event.videoId, PROCESSED_FILES.hlsMaster), masterPath);

    const renditions = renditionsOf(event.plan, parseHlsVariants(master));
    return { Action: "transcode", renditions, durationMs: Date.now() - started };
  });
}

async function rmAndMkdir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
  await mkdir(path, { recursive: true });
}

// ── thumbnails ────────────────────────────────────────────────────────────────────────────────────

export interface ThumbnailsResult {
  Action: "thumbnails";
  spriteSheets: number;
  thumbnails: number;
  durationMs: number;
}

/** Sprite sheets, the WebVTT thumbnails track (`#xywh=` cues) and a poster. */
export async function thumbnails(
  deps: MediaDeps,
  event: SourceEvent & { plan: MediaPlan },
  context?: MediaContext,
): Promise<ThumbnailsResult> {
  const { s3, config } = deps;
  const started = Date.now();
  const [from] = PROGRESS.thumbnails;
  await updateStatus(
    s3,
    event.bucket,
    baseOf(event),
    { status: "processing", step: "thumbnails", percent: from },
    now(deps),
  );
  const plan = event.plan;
  return withTempDir(deps, async (dir) => {
    const source = join(dir, "source");
    const sheetsDir = join(dir, "sheets");
    const countDir = join(dir, "count");
    await downloadToFile(s3, event.bucket, event.key, source);
    await rmAndMkdir(sheetsDir);
    await rmAndMkdir(countDir);
    const timeoutMs = processTimeoutMs(deps, context);
    await runFfmpeg(spriteArgs(source, sheetsDir, countDir, plan.thumbnails), {
      ffmpegPath: config.ffmpegPath,
      timeoutMs,
      label: `sprites ${event.fileName}`,
    });
    const posterWidth = Math.min(plan.renditions[0]?.width ?? 1280, 1280);
    const posterAt = Math.min(1, plan.source.durationSeconds / 2);
    const posterPath = join(dir, "poster.jpg");
    await runFfmpeg(posterArgs(source, posterAt, posterWidth, posterPath), {
      ffmpegPath: config.ffmpegPath,
      timeoutMs,
      label: `poster ${event.fileName}`,
    });

    const sheets = (await readdir(sheetsDir)).filter((name) => /^sprite-\d{3}\.jpg$/.test(name)).sort();
    const count = (await readdir(countDir)).length;
    if (sheets.length === 0 || count === 0) {
      throw new AppError("TRANSCODE_FAILED", `sprites ${event.fileName}: ffmpeg wrote no thumbnails`);
    }
    const [sheetWidth, sheetHeight] = (
      await runFfprobe(dimensionsProbeArgs(join(sheetsDir, sheets[0] as string)), {
        ffprobePath: config.ffprobePath,
        timeoutMs: 30_000,
      })
    )
      .trim()
      .split(",")
      .map(Number);
    const vtt = thumbnailsVtt({
      count,
      interval: plan.thumbnails.interval,
      durationSeconds: plan.source.durationSeconds,
      tileWidth: Math.round((sheetWidth ?? 0) / plan.thumbnails.columns),
      tileHeight: Math.round((sheetHeight ?? 0) / plan.thumbnails.rows),
      columns: plan.thumbnails.columns,
      rows: plan.thumbnails.rows,
      sheetUrl: (index) => spriteFileName(index),
    });
    await withConcurrency(sheets, UPLOAD_CONCURRENCY, async (name) => {
      const index = Number(name.slice("sprite-".length, -".jpg".length));
      await putFile(
        s3,
        event.bucket,
        processedKey(event.videoId, PROCESSED_FILES.spriteSheet(index)),
        join(sheetsDir, name),
      );
    });
    await putFile(s3, event.bucket, processedKey(event.videoId, PROCESSED_FILES.poster), posterPath);
    await putText(
      s3,
      event.bucket,
      processedKey(event.videoId, PROCESSED_FILES.thumbnailsVtt),
      vtt,
      "text/vtt; charset=utf-8",
    );
    return {
      Action: "thumbnails",
      spriteSheets: sheets.length,
      thumbnails: count,
      durationMs: Date.now() - started,
    };
  });
}

// ── complete and fail ─────────────────────────────────────────────────────────────────────────────

export interface CompleteResult {
  Action: "complete";
  status: "processing_complete";
  totalBytes: number;
}

/** Lists what was written, removes work files, and records `processing_complete` with every asset. */
export async function complete(
  deps: MediaDeps,
  event: SourceEvent & { plan: MediaPlan; transcription: TranscriptionOutcome; renditions?: Rendition[] },
): Promise<CompleteResult> {
  const { s3 } = deps;
  const prefix = processedPrefix(event.videoId);
  const all = await listKeys(s3, event.bucket, prefix);
  const work = all
    .filter((item) => item.key.startsWith(`${prefix}${PROCESSED_FILES.workPrefix}`))
    .map((item) => item.key);
  await deleteKeys(s3, event.bucket, work);
  const kept = all.filter((item) => !work.includes(item.key) && item.key !== statusKey(event.videoId));
  const sizes: Record<string, number> = {};
  for (const item of kept) sizes[item.key] = item.size;
  const totalBytes = kept.reduce((sum, item) => sum + item.size, 0);
  const keyOf = (file: string) => processedKey(event.videoId, file);
  const has = (file: string) => Object.hasOwn(sizes, keyOf(file));
  if (!has(PROCESSED_FILES.hlsMaster)) {
    throw new AppError("TRANSCODE_FAILED", `complete: ${keyOf(PROCESSED_FILES.hlsMaster)} is missing`);
  }

  const outcome = event.transcription;
  const subtitles = "subtitles" in outcome ? outcome.subtitles : [];
  let subtitlesSkippedReason: string | undefined;
  if ("skipped" in outcome) subtitlesSkippedReason = outcome.reason ?? "subtitles were not requested";
  else if ("Error" in outcome)
    subtitlesSkippedReason = `transcription failed: ${describeCause(outcome.Error, outcome.Cause)}`;

  const spriteSheets = Object.keys(sizes)
    .filter((key) => /\/thumbnails\/sprite-\d{3}\.jpg$/.test(key))
    .sort();
  const master = await readMasterRenditions(deps, event.bucket, keyOf(PROCESSED_FILES.hlsMaster));
  const renditions = renditionsOf(event.plan, master);
  const patch: Partial<VideoStatus> & Pick<VideoStatus, "status"> = {
    status: "processing_complete",
    step: undefined,
    percent: undefined,
    error: undefined,
    durationSeconds: event.plan.source.durationSeconds,
    renditions,
    assets: {
      hlsMaster: keyOf(PROCESSED_FILES.hlsMaster),
      dashManifest: has(PROCESSED_FILES.dashManifest) ? keyOf(PROCESSED_FILES.dashManifest) : null,
      poster: keyOf(PROCESSED_FILES.poster),
      thumbnailsVtt: keyOf(PROCESSED_FILES.thumbnailsVtt),
      spriteSheets,
      subtitles,
    },
    sizes,
    totalBytes,
    subtitlesSkippedReason,
  };
  await updateStatus(s3, event.bucket, baseOf(event), patch, now(deps));
  return { Action: "complete", status: "processing_complete", totalBytes };
}

/** The planned renditions with the bitrate and codecs ffmpeg wrote into the HLS master (plan values if absent). */
function renditionsOf(plan: MediaPlan, variants: readonly HlsVariant[]): Rendition[] {
  return plan.renditions.map((planned) => {
    const variant = variants.find((v) => v.width === planned.width && v.height === planned.height);
    return {
      name: planned.name,
      width: planned.width,
      height: planned.height,
      bitrate: variant?.bandwidth ?? planned.videoBitrate,
      codecs: variant?.codecs ?? "avc1",
    };
  });
}

async function readMasterRenditions(deps: MediaDeps, bucket: string, key: string) {
  const text = await getText(deps.s3, bucket, key);
  return text ? parseHlsVariants(text) : [];
}

export interface FailResult {
  Action: "fail";
  status: "processing_failed";
}

/** Records `processing_failed` with the failing step, the error name and a human message. */
export async function fail(
  deps: MediaDeps,
  event: { bucket: string; videoId: string; step: string; error: { Error?: string; Cause?: string | null } },
): Promise<FailResult> {
  const name = event.error.Error ?? "INTERNAL_ERROR";
  const message = failureMessage(event.step, name, event.error.Cause);
  const current = await readStatus(deps.s3, event.bucket, event.videoId);
  const base: StatusBase = current ?? {
    videoId: event.videoId,
    fileName: event.videoId,
    source: { bucket: event.bucket, key: "", size: 0 },
  };
  await updateStatus(
    deps.s3,
    event.bucket,
    base,
    {
      status: "processing_failed",
      step: event.step,
      percent: undefined,
      error: { step: event.step, name, message },
    },
    now(deps),
  );
  return { Action: "fail", status: "processing_failed" };
}

/** Lambda errors arrive as a JSON Cause `{errorType, errorMessage, trace}`; Step Functions' own as text. */
export function failureMessage(step: string, name: string, cause: string | null | undefined): string {
  if (name === "States.Timeout") return `The ${step} step ran past its time limit and was stopped.`;
  const text = describeCause(name, cause);
  return text || `The ${step} step failed (${name}).`;
}

function describeCause(name: string, cause: string | null | undefined): string {
  if (!cause) return name;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown; message?: unknown };
    const message = parsed.errorMessage ?? parsed.message;
    if (typeof message === "string" && message) return message;
  } catch {
    // Not JSON: Step Functions' own causes are plain text.
  }
  return cause;
}
