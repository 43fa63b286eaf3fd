import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { TranscribeClient } from "@aws-sdk/client-transcribe";
import { s3ClientOptions } from "../contracts/s3-client-options.js";
import { readMediaConfig } from "./config.js";
import type { MediaContext, MediaDeps } from "./deps.js";
import { type MediaEvent, parseMediaEvents } from "./events.js";
import { type IngestResult, ingest, type ReprocessResult, reprocess } from "./ingest.js";
import {
  type CompleteResult,
  complete,
  type FailResult,
  fail,
  type PrepareResult,
  prepare,
  type ThumbnailsResult,
  type TranscodeResult,
  thumbnails,
  transcode,
} from "./steps.js";
import {
  type TranscribeFinishResult,
  type TranscribeStartResult,
  type TranscribeStatusResult,
  transcribeFinish,
  transcribeStart,
  transcribeStatus,
} from "./transcription.js";

/**
 * The `media` function. Actions (handlers/contracts/media-events.ts MEDIA_ACTIONS):
 * - `ingest` (the trigger, outside the state machine): `{Action:"ingest", bucket, key, size}`, or the raw
 *   EventBridge S3 "Object Created" event (AWS), or S3 notification `Records[]` (local S3 server).
 * - `reprocess`: `{Action:"reprocess", videoId, bucket?}` re-runs an existing video.
 * - the state machine's tasks: prepare, transcode, thumbnails, transcribeStart, transcribeStatus,
 *   transcribeFinish, complete, fail (payloads built in modules/state-machines/media.ts).
 * Errors are AppErrors whose `name` is the registry name Step Functions matches on.
 */

export type MediaResult =
  | IngestResult
  | ReprocessResult
  | PrepareResult
  | TranscodeResult
  | ThumbnailsResult
  | TranscribeStartResult
  | TranscribeStatusResult
  | TranscribeFinishResult
  | CompleteResult
  | FailResult;

/** A trigger carrying several records returns one result per record; everything else one result. */
export type MediaHandlerResult = MediaResult | { Action: "ingest"; results: MediaResult[] };

export function makeMediaHandler(deps: MediaDeps | (() => MediaDeps)) {
  let resolved: MediaDeps | undefined;
  const getDeps = (): MediaDeps => {
    resolved ??= typeof deps === "function" ? deps() : deps;
    return resolved;
  };
  return async function mediaHandler(event: unknown, context?: MediaContext): Promise<MediaHandlerResult> {
    const events = parseMediaEvents(event);
    const current = getDeps();
    if (events.length === 1 && events[0]) return dispatch(current, events[0], context);
    const results: MediaResult[] = [];
    for (const one of events) results.push(await dispatch(current, one, context));
    return { Action: "ingest", results };
  };
}

export function dispatch(deps: MediaDeps, event: MediaEvent, context?: MediaContext): Promise<MediaResult> {
  switch (event.Action) {
    case "ingest":
      return ingest(deps, { bucket: event.bucket, key: event.key, size: event.size });
    case "reprocess":
      return reprocess(deps, event.videoId, event.bucket);
    case "prepare":
      return prepare(deps, event);
    case "transcode":
      return transcode(deps, event, context);
    case "thumbnails":
      return thumbnails(deps, event, context);
    case "transcribeStart":
      return transcribeStart(deps, event);
    case "transcribeStatus":
      return transcribeStatus(deps, event);
    case "transcribeFinish":
      return transcribeFinish(deps, event);
    case "complete":
      return complete(deps, event);
    case "fail":
      return fail(deps, event);
  }
}

/** Real clients, one per container; endpoints come from AWS_ENDPOINT_URL_* in the environment. */
export function defaultMediaDeps(env: NodeJS.ProcessEnv = process.env): MediaDeps {
  const config = readMediaConfig(env);
  return {
    config,
    s3: new S3Client(s3ClientOptions({ forcePathStyle: config.s3ForcePathStyle })),
    sfn: new SFNClient({}),
    transcribe: new TranscribeClient({}),
  };
}

export const handler = makeMediaHandler(() => defaultMediaDeps());
