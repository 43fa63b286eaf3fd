import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { uploadKey } from "../../handlers/contracts/bucket-layout.js";
import { newUploadId, videoIdFromSha256 } from "../../handlers/contracts/ids.js";

/** Upload progress as the UI shows it: bytes, percent, speed and ETA. */
export interface TransferProgress {
  readonly loaded: number;
  readonly total: number;
  readonly percent: number;
  readonly bytesPerSecond: number;
  /** Seconds left at the average speed so far; undefined before any byte moved. */
  readonly etaSeconds: number | undefined;
}

/** Pure: progress figures from bytes moved and time spent. */
export function transferProgress(loaded: number, total: number, elapsedMs: number): TransferProgress {
  const bytesPerSecond = elapsedMs > 0 ? (loaded / elapsedMs) * 1000 : 0;
  return {
    loaded,
    total,
    percent: total > 0 ? Math.min(100, (loaded / total) * 100) : 0,
    bytesPerSecond,
    etaSeconds: bytesPerSecond > 0 ? Math.max(0, (total - loaded) / bytesPerSecond) : undefined,
  };
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "--:--";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(rest).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The video id the pipeline will give this file: first 32 hex of its SHA-256, computed locally. */
export async function videoIdOfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return videoIdFromSha256(hash.digest("hex"));
}

/** 8 MiB parts: above S3's 5 MiB minimum, 10,000 parts reach 80 GiB. */
export const PART_SIZE = 8 * 1024 * 1024;

/** Multipart upload to uploads/<uploadId>/<fileName> (the media trigger prefix), with progress. */
export async function uploadVideo(
  s3: S3Client,
  bucket: string,
  path: string,
  options: {
    onProgress?: (progress: TransferProgress) => void;
    signal?: AbortSignal;
    local: boolean;
    now?: () => number;
  },
): Promise<{ key: string; size: number; uploadId: string }> {
  const size = (await stat(path)).size;
  const uploadId = newUploadId();
  const key = uploadKey(uploadId, basename(path));
  const now = options.now ?? Date.now;
  const started = now();
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: createReadStream(path), ContentLength: size },
    partSize: PART_SIZE,
    queueSize: 4,
    // The local S3 server has no AbortMultipartUpload; AWS's lifecycle rule cleans up abandoned parts.
    leavePartsOnError: options.local,
    ...(options.signal ? { abortController: abortControllerFor(options.signal) } : {}),
  });
  upload.on("httpUploadProgress", (event) => {
    options.onProgress?.(transferProgress(event.loaded ?? 0, event.total ?? size, now() - started));
  });
  await upload.done();
  options.onProgress?.(transferProgress(size, size, now() - started));
  return { key, size, uploadId };
}

function abortControllerFor(signal: AbortSignal): AbortController {
  const controller = new AbortController();
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
  return controller;
}
