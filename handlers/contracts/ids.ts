import { randomBytes } from "node:crypto";

/**
 * A video id is the first 32 hex characters of the content's SHA-256: the same length as the MD5 ids of
 * the transcoder this replaces (old clients keep working), but collision-resistant.
 */
export const VIDEO_ID_PATTERN = /^[0-9a-f]{32}$/;
export const VIDEO_ID_HEX_LENGTH = 32;

export const videoIdFromSha256 = (sha256Hex: string): string => sha256Hex.slice(0, VIDEO_ID_HEX_LENGTH);
export const isVideoId = (value: string): boolean => VIDEO_ID_PATTERN.test(value);

/**
 * A render job id: `r` + UTC time to the second + 8 random hex, e.g. `r20261121t120501-a1b2c3d4`.
 * Sorts by start time, fits Step Functions execution names (80 chars, [A-Za-z0-9-_]) and S3 keys.
 */
export const RENDER_JOB_ID_PATTERN = /^r\d{8}t\d{6}-[0-9a-f]{8}$/;

export function newRenderJobId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "")
    .toLowerCase();
  return `r${stamp}-${randomBytes(4).toString("hex")}`;
}

export const isRenderJobId = (value: string): boolean => RENDER_JOB_ID_PATTERN.test(value);

/** An upload id is random so two uploads of the same file name never collide under uploads/. */
export const newUploadId = (): string => randomBytes(12).toString("hex");
export const UPLOAD_ID_PATTERN = /^[0-9a-f]{24}$/;

/**
 * Execution names: the render job id for renders, the video id for media, so a replayed trigger
 * cannot start a second run. A deliberate reprocess gets `<videoId>-reprocess-<unix seconds>`.
 */
export const renderExecutionName = (jobId: string): string => jobId;
export const mediaExecutionName = (videoId: string): string => videoId;
export const reprocessExecutionName = (videoId: string, now: Date = new Date()): string =>
  `${videoId}-reprocess-${Math.floor(now.getTime() / 1000)}`;

/** The job id a user types, from an execution name or ARN (`arn:aws:states:...:execution:<sm>:<name>`). */
export function jobIdFromExecution(nameOrArn: string): string {
  const parts = nameOrArn.split(":");
  return parts.length >= 8 && parts[0] === "arn" ? (parts[7] ?? nameOrArn) : nameOrArn;
}
