import { basename } from "node:path";
import { ExecutionAlreadyExists, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { nameMappingKey, PREFIXES } from "../contracts/bucket-layout.js";
import { AppError } from "../contracts/errors.js";
import { mediaExecutionName, reprocessExecutionName, videoIdFromSha256 } from "../contracts/ids.js";
import type { MediaExecutionInput, UploadEvent } from "../contracts/media-events.js";
import type { NameMapping } from "../contracts/video-status.js";
import type { MediaDeps } from "./deps.js";
import { readStatus, updateStatus } from "./status.js";
import { headSize, putText, sha256OfObject } from "./storage.js";

export type IngestResult =
  | { Action: "ingest"; ignored: true; reason: string; key: string }
  | {
      Action: "ingest";
      ignored: false;
      videoId: string;
      fileName: string;
      /** False when an execution with this name exists: a replayed event or the same bytes again. */
      started: boolean;
      executionArn: string | null;
    };

/**
 * The trigger: hashes the upload streaming (video id = first 32 hex of its SHA-256), records the file
 * name, writes `queued` unless the video already has a status, and starts the state machine with the
 * video id as execution name, so replays and duplicate uploads start nothing.
 */
export async function ingest(deps: MediaDeps, upload: UploadEvent): Promise<IngestResult> {
  if (!upload.key.startsWith(PREFIXES.uploads)) {
    return {
      Action: "ingest",
      ignored: true,
      reason: `only keys under ${PREFIXES.uploads} are processed`,
      key: upload.key,
    };
  }
  const fileName = basename(upload.key);
  if (!fileName || upload.key.endsWith("/")) {
    return { Action: "ingest", ignored: true, reason: "folder marker, not a file", key: upload.key };
  }
  const now = deps.now?.() ?? new Date();
  const { sha256, size } = await sha256OfObject(deps.s3, upload.bucket, upload.key);
  const videoId = videoIdFromSha256(sha256);
  const mapping: NameMapping = { fileName, videoId, uploadedAt: now.toISOString() };
  await putText(
    deps.s3,
    upload.bucket,
    nameMappingKey(fileName),
    `${JSON.stringify(mapping)}\n`,
    "application/json",
  );

  const existing = await readStatus(deps.s3, upload.bucket, videoId);
  const source = { bucket: upload.bucket, key: upload.key, size };
  if (!existing)
    await updateStatus(deps.s3, upload.bucket, { videoId, fileName, source }, { status: "queued" }, now);

  const input: MediaExecutionInput = {
    bucket: upload.bucket,
    key: upload.key,
    size,
    videoId,
    fileName,
    reprocess: false,
  };
  const executionArn = await startExecution(deps, mediaExecutionName(videoId), input);
  if (executionArn && !existing) {
    await updateStatus(
      deps.s3,
      upload.bucket,
      { videoId, fileName, source },
      { status: "queued", executionArn },
      now,
    );
  }
  return {
    Action: "ingest",
    ignored: false,
    videoId,
    fileName,
    started: executionArn !== null,
    executionArn,
  };
}

export interface ReprocessResult {
  Action: "reprocess";
  videoId: string;
  executionArn: string;
}

/** Re-runs an existing video (e.g. after the ladder changed) under a new execution name. */
export async function reprocess(
  deps: MediaDeps,
  videoId: string,
  bucketOverride?: string,
): Promise<ReprocessResult> {
  const bucket = bucketOverride ?? deps.config.bucketName;
  if (!bucket) throw new AppError("INVALID_EVENT", "reprocess: give `bucket` or set BUCKET_NAME");
  const status = await readStatus(deps.s3, bucket, videoId);
  if (!status) throw new AppError("VIDEO_NOT_FOUND", `No video ${videoId} in ${bucket}`);
  if (status.status === "processing" || status.status === "queued") {
    throw new AppError(
      "CONFLICT",
      `Video ${videoId} is ${status.status}; wait for it to finish before reprocessing`,
    );
  }
  const size = await headSize(deps.s3, status.source.bucket, status.source.key);
  if (size === undefined) {
    throw new AppError(
      "VIDEO_NOT_FOUND",
      `The original upload of ${videoId} (s3://${status.source.bucket}/${status.source.key}) is gone`,
    );
  }
  const now = deps.now?.() ?? new Date();
  const input: MediaExecutionInput = {
    ...status.source,
    size,
    videoId,
    fileName: status.fileName,
    reprocess: true,
  };
  const executionArn = await startExecution(deps, reprocessExecutionName(videoId, now), input);
  if (!executionArn) throw new AppError("CONFLICT", `A reprocess of ${videoId} started this second already`);
  await updateStatus(
    deps.s3,
    bucket,
    { videoId, fileName: status.fileName, source: status.source },
    { status: "queued", executionArn, error: undefined, step: undefined, percent: undefined },
    now,
  );
  return { Action: "reprocess", videoId, executionArn };
}

/** StartExecution; null when the name is taken (a replay: harmless). */
async function startExecution(
  deps: MediaDeps,
  name: string,
  input: MediaExecutionInput,
): Promise<string | null> {
  const stateMachineArn = deps.config.stateMachineArn;
  if (!stateMachineArn)
    throw new AppError("INVALID_CONFIG", "MEDIA_STATE_MACHINE_ARN is not set for the media function");
  try {
    const result = await deps.sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    return result.executionArn ?? null;
  } catch (err) {
    if (err instanceof ExecutionAlreadyExists || (err as Error).name === "ExecutionAlreadyExists")
      return null;
    throw new AppError("ENDPOINT_UNREACHABLE", `StartExecution ${name} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
