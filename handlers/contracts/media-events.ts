import { z } from "zod";

/**
 * The media pipeline's contracts. Whatever produced an upload (EventBridge "Object Created" in AWS, the
 * local S3 server's events, the API's complete_multipart_upload) is normalized to one UploadEvent.
 *
 * Trigger flow (same in AWS and locally): UploadEvent -> `media` function, Action `ingest`: hashes the
 * object streaming, writes the name mapping and a `queued` status, then StartExecution of the media
 * state machine with name = video id and input = MediaExecutionInput. A replayed event finds the
 * execution name taken and starts nothing.
 */

export const UploadEventSchema = z
  .object({
    bucket: z.string().min(3),
    key: z.string().min(1),
    size: z.number().int().min(0),
  })
  .strict();
export type UploadEvent = z.infer<typeof UploadEventSchema>;

/** Input of the media state machine. */
export const MediaExecutionInputSchema = z
  .object({
    bucket: z.string().min(3),
    key: z.string().min(1),
    size: z.number().int().min(0),
    videoId: z.string().regex(/^[0-9a-f]{32}$/),
    fileName: z.string().min(1),
    /** True when re-running an existing id on purpose (e.g. after the ladder changed). */
    reprocess: z.boolean().default(false),
  })
  .strict();
export type MediaExecutionInput = z.input<typeof MediaExecutionInputSchema>;

/**
 * Actions of the `media` function. `ingest` runs outside the state machine (the trigger); the rest are
 * the media state machine's tasks. Handlers own their event schemas beside these names.
 */
export const MEDIA_ACTIONS = [
  "ingest",
  "reprocess",
  "prepare",
  "transcode",
  "thumbnails",
  "transcribeStart",
  "transcribeStatus",
  "transcribeFinish",
  "complete",
  "fail",
] as const;
export type MediaAction = (typeof MEDIA_ACTIONS)[number];
