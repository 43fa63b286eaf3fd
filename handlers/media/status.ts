import type { S3Client } from "@aws-sdk/client-s3";
import { statusKey } from "../contracts/bucket-layout.js";
import { type VideoStatus, VideoStatusSchema } from "../contracts/video-status.js";
import { getText, putText } from "./storage.js";

/** Reads and writes processed/<videoId>/status.json. */

export async function readStatus(
  s3: S3Client,
  bucket: string,
  videoId: string,
): Promise<VideoStatus | undefined> {
  const text = await getText(s3, bucket, statusKey(videoId));
  if (text === undefined) return undefined;
  const parsed = VideoStatusSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}

export async function writeStatus(s3: S3Client, bucket: string, status: VideoStatus): Promise<VideoStatus> {
  const valid = VideoStatusSchema.parse(status);
  await putText(
    s3,
    bucket,
    statusKey(status.videoId),
    `${JSON.stringify(valid, null, 2)}\n`,
    "application/json",
  );
  return valid;
}

export interface StatusBase {
  videoId: string;
  fileName: string;
  source: { bucket: string; key: string; size: number };
}

/**
 * Read-modify-write: applies `patch` to the current status (or a fresh one from `base`). Fields set to
 * undefined in the patch are removed (e.g. `error` when a video is reprocessed).
 */
export async function updateStatus(
  s3: S3Client,
  bucket: string,
  base: StatusBase,
  patch: Partial<VideoStatus> & Pick<VideoStatus, "status">,
  now: Date = new Date(),
): Promise<VideoStatus> {
  const current = await readStatus(s3, bucket, base.videoId);
  const merged: Record<string, unknown> = {
    videoId: base.videoId,
    fileName: current?.fileName ?? base.fileName,
    source: current?.source ?? base.source,
    createdAt: current?.createdAt ?? now.toISOString(),
    ...current,
    ...patch,
    updatedAt: now.toISOString(),
  };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return writeStatus(s3, bucket, merged as VideoStatus);
}

/**
 * Progress reporter for long steps: writes `processing` with the step and percent at most every
 * `intervalMs`, one write at a time; `flush()` waits for the last one.
 */
export function progressReporter(
  write: (percent: number) => Promise<unknown>,
  intervalMs = 5000,
): { report: (percent: number) => void; flush: () => Promise<void> } {
  let last = 0;
  let chain: Promise<unknown> = Promise.resolve();
  return {
    report(percent) {
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      chain = chain.then(() => write(Math.round(percent)).catch(() => undefined));
    },
    async flush() {
      await chain;
    },
  };
}
