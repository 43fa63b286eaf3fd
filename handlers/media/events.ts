import { z } from "zod";
import { AppError } from "../contracts/errors.js";
import { type UploadEvent, UploadEventSchema } from "../contracts/media-events.js";
import { parseOrThrow } from "../contracts/zod-errors.js";

/**
 * The media function's events: a discriminated union on `Action` (the state machine's tasks, `ingest`,
 * `reprocess`), plus the raw trigger events normalized to an UploadEvent: EventBridge "Object Created"
 * (AWS) and S3 notification `Records[]` (the local S3 server's events).
 */

const videoId = z.string().regex(/^[0-9a-f]{32}$/, { error: "must be a 32-character hex video id" });
const bucket = z.string().min(3);

const SourceFields = {
  bucket,
  key: z.string().min(1),
  size: z.number().int().min(0),
  videoId,
  fileName: z.string().min(1),
};

const PlannedRenditionSchema = z.object({
  name: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  videoBitrate: z.number().int(),
  maxRate: z.number().int(),
  bufferSize: z.number().int(),
});

export const MediaPlanSchema = z.object({
  source: z.object({
    durationSeconds: z.number(),
    width: z.number().int(),
    height: z.number().int(),
    codedWidth: z.number().int(),
    codedHeight: z.number().int(),
    rotation: z.number(),
    fps: z.number(),
    variableFrameRate: z.boolean(),
    hasAudio: z.boolean(),
    videoCodec: z.string(),
    formatName: z.string(),
  }),
  renditions: z.array(PlannedRenditionSchema).min(1),
  audioBitrate: z.number().int().nullable(),
  fps: z.number(),
  gopFrames: z.number().int(),
  segmentSeconds: z.number(),
  x264Preset: z.string(),
  generateDash: z.boolean(),
  thumbnails: z.object({
    interval: z.number(),
    width: z.number().int(),
    columns: z.number().int(),
    rows: z.number().int(),
    count: z.number().int(),
    sheets: z.number().int(),
  }),
  estimatedEncodeSeconds: z.number(),
});

export const IngestEventSchema = z
  .object({ Action: z.literal("ingest"), ...UploadEventSchema.shape })
  .strict();
export const ReprocessEventSchema = z
  .object({ Action: z.literal("reprocess"), videoId, bucket: bucket.optional() })
  .strict();
export const PrepareEventSchema = z
  .object({ Action: z.literal("prepare"), ...SourceFields, reprocess: z.boolean().default(false) })
  .strict();
export const TranscodeEventSchema = z
  .object({ Action: z.literal("transcode"), ...SourceFields, plan: MediaPlanSchema })
  .strict();
export const ThumbnailsEventSchema = z
  .object({ Action: z.literal("thumbnails"), ...SourceFields, plan: MediaPlanSchema })
  .strict();
export const TranscribeStartEventSchema = z
  .object({ Action: z.literal("transcribeStart"), ...SourceFields, plan: MediaPlanSchema })
  .strict();
export const TranscribeStatusEventSchema = z
  .object({
    Action: z.literal("transcribeStatus"),
    videoId,
    bucket,
    jobName: z.string().min(1),
    startedAt: z.string(),
  })
  .strict();
export const TranscribeFinishEventSchema = z
  .object({
    Action: z.literal("transcribeFinish"),
    ...SourceFields,
    plan: MediaPlanSchema,
    jobName: z.string().min(1),
    language: z.string().min(2),
  })
  .strict();
/** What the state machine knows about transcription when it completes: subtitles, a skip, or an error. */
export const TranscriptionOutcomeSchema = z.union([
  z.object({ subtitles: z.array(z.object({ language: z.string(), key: z.string() })) }),
  z.object({ skipped: z.literal(true), reason: z.string().nullable() }),
  z.object({ Error: z.string(), Cause: z.string().nullable().optional() }),
]);
export const CompleteEventSchema = z
  .object({
    Action: z.literal("complete"),
    ...SourceFields,
    plan: MediaPlanSchema,
    transcription: TranscriptionOutcomeSchema,
  })
  .strict();
export const FailEventSchema = z
  .object({
    Action: z.literal("fail"),
    videoId,
    bucket,
    step: z.string(),
    error: z.object({ Error: z.string().optional(), Cause: z.string().nullable().optional() }).loose(),
  })
  .strict();

export const MediaEventSchema = z.discriminatedUnion("Action", [
  IngestEventSchema,
  ReprocessEventSchema,
  PrepareEventSchema,
  TranscodeEventSchema,
  ThumbnailsEventSchema,
  TranscribeStartEventSchema,
  TranscribeStatusEventSchema,
  TranscribeFinishEventSchema,
  CompleteEventSchema,
  FailEventSchema,
]);
export type MediaEvent = z.output<typeof MediaEventSchema>;
export type TranscriptionOutcome = z.output<typeof TranscriptionOutcomeSchema>;

const EventBridgeObjectCreatedSchema = z.looseObject({
  source: z.literal("aws.s3"),
  "detail-type": z.literal("Object Created"),
  detail: z.looseObject({
    bucket: z.looseObject({ name: z.string() }),
    object: z.looseObject({ key: z.string(), size: z.number().int().min(0).optional() }),
  }),
});

const S3NotificationSchema = z.looseObject({
  Records: z
    .array(
      z.looseObject({
        eventName: z.string().optional(),
        s3: z.looseObject({
          bucket: z.looseObject({ name: z.string() }),
          object: z.looseObject({ key: z.string(), size: z.number().int().min(0).optional() }),
        }),
      }),
    )
    .min(1),
});

/** S3 notification keys are URL-encoded with `+` for spaces. */
const decodeS3Key = (key: string): string => decodeURIComponent(key.replace(/\+/g, " "));

/**
 * Turns whatever triggered the function into media events: `{Action: ...}` events pass through
 * (validated); EventBridge and S3 notifications become `ingest` events (one per created object).
 */
export function parseMediaEvents(event: unknown): MediaEvent[] {
  if (typeof event === "object" && event !== null && "Action" in event) {
    return [parseOrThrow(MediaEventSchema, event, "INVALID_EVENT", "event")];
  }
  const bridge = EventBridgeObjectCreatedSchema.safeParse(event);
  if (bridge.success) {
    const { bucket: b, object } = bridge.data.detail;
    // EventBridge object keys are URL-encoded like S3 notification keys.
    return [ingestEvent({ bucket: b.name, key: decodeS3Key(object.key), size: object.size ?? 0 })];
  }
  const notification = S3NotificationSchema.safeParse(event);
  if (notification.success) {
    return notification.data.Records.filter(
      (record) => !record.eventName || record.eventName.includes("ObjectCreated"),
    ).map((record) =>
      ingestEvent({
        bucket: record.s3.bucket.name,
        key: decodeS3Key(record.s3.object.key),
        size: record.s3.object.size ?? 0,
      }),
    );
  }
  throw new AppError(
    "INVALID_EVENT",
    "media: expected {Action: ...}, an EventBridge S3 'Object Created' event or S3 notification Records",
  );
}

function ingestEvent(upload: UploadEvent): MediaEvent {
  return { Action: "ingest", ...parseOrThrow(UploadEventSchema, upload, "INVALID_EVENT", "upload") };
}
