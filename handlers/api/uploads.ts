import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { z } from "zod";
import { PREFIXES, statusKey, uploadKey } from "../contracts/bucket-layout.js";
import { AppError } from "../contracts/errors.js";
import { newUploadId, UPLOAD_ID_PATTERN, videoIdFromSha256 } from "../contracts/ids.js";
import { parseOrThrow } from "../contracts/zod-errors.js";
import type { ApiDeps } from "./deps.js";
import { type ApiRequest, type FunctionUrlResult, json, jsonBody } from "./http.js";
import { getJson, headObject, isNotFound, s3ErrorName, s3Failure, sha256OfObject } from "./s3-ops.js";

const MiB = 1024 * 1024;

export const UPLOAD_LIMITS = {
  /** S3's floor for every part but the last. */
  minPartSize: 5 * MiB,
  maxParts: 10_000,
  /** S3's largest object: 5 TiB. */
  maxFileSize: 5 * 1024 * 1024 * MiB,
  /**
   * Presigned URLs per response. A URL is ~0.6 KB locally and ~1.5 KB in AWS (session token), so 500
   * keep a response under ~0.8 MB, far below Lambda's 6 MB; at 5 MiB parts that covers 2.4 GiB, so the
   * old clients (which expect every URL up front) keep working for files of that size.
   */
  urlBatch: 500,
} as const;

/** The part size: 5 MiB (what old clients slice by) unless the file needs bigger parts to fit 10,000. */
export function partSizeFor(fileSize: number): number {
  const needed = Math.ceil(fileSize / UPLOAD_LIMITS.maxParts);
  return Math.max(UPLOAD_LIMITS.minPartSize, Math.ceil(needed / MiB) * MiB);
}

export const partCountFor = (fileSize: number, partSize: number): number =>
  Math.max(1, Math.ceil(fileSize / partSize));

/**
 * The upload handle returned as `uploadId`: `<upload folder>.<S3 UploadId>`. Old clients send back only
 * `fileName` and `uploadId`; the folder in the handle rebuilds the key `uploads/<folder>/<fileName>`.
 * A raw S3 UploadId is accepted too when `key` is given.
 */
export const uploadHandle = (folder: string, s3UploadId: string): string => `${folder}.${s3UploadId}`;

export function parseUploadHandle(handle: string): { folder?: string; s3UploadId: string } {
  const match = /^([0-9a-f]{24})\.(.+)$/.exec(handle);
  return match ? { folder: match[1] as string, s3UploadId: match[2] as string } : { s3UploadId: handle };
}

const UPLOAD_KEY_PATTERN = /^uploads\/([0-9a-f]{24})\/([^/]+)$/;

const fileNameSchema = z
  .string({ error: "fileName is required (a string)" })
  .min(1, { error: "fileName must not be empty" })
  .max(255, { error: "fileName must be at most 255 characters" })
  .refine((name) => !/[/\\\p{Cc}]/u.test(name) && name !== "." && name !== "..", {
    error: "fileName must be a plain file name (no slashes, control characters, `.` or `..`)",
  });

const CreateSchema = z.object({
  fileName: fileNameSchema,
  fileSize: z
    .number({ error: "fileSize is required (bytes, a number)" })
    .int({ error: "fileSize must be a whole number of bytes" })
    .min(1, { error: "fileSize must be at least 1 byte" })
    .max(UPLOAD_LIMITS.maxFileSize, { error: "fileSize must be at most 5 TiB (S3's object limit)" }),
  contentType: z
    .string()
    .max(255)
    .regex(/^[\w.+-]+\/[\w.+-]+$/, { error: "contentType must be a MIME type like video/mp4" })
    .optional(),
});

const partNumber = z.number().int().min(1).max(UPLOAD_LIMITS.maxParts);
const UploadRefSchema = z.object({
  key: z.string().optional(),
  fileName: fileNameSchema.optional(),
  uploadId: z
    .string({ error: "uploadId is required (from create_multipart_upload)" })
    .min(1, { error: "uploadId must not be empty" }),
});

const SignSchema = UploadRefSchema.extend({
  partNumbers: z
    .array(partNumber, { error: "partNumbers is required (an array of part numbers 1..10000)" })
    .min(1, { error: "partNumbers must not be empty" })
    .max(UPLOAD_LIMITS.urlBatch, {
      error: `partNumbers may hold at most ${UPLOAD_LIMITS.urlBatch} numbers per call`,
    }),
});

/** Parts as our page sends them (`PartNumber`/`ETag`, as S3 names them) or lower-case. */
const PartSchema = z
  .union([
    z.object({ PartNumber: partNumber, ETag: z.string().min(1) }),
    z
      .object({ partNumber, etag: z.string().min(1) })
      .transform((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
  ])
  .transform((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag }));

const CompleteSchema = UploadRefSchema.extend({
  parts: z
    .array(PartSchema, { error: "parts is required (an array of {PartNumber, ETag})" })
    .min(1, { error: "parts must not be empty" })
    .max(UPLOAD_LIMITS.maxParts),
});

interface UploadTarget {
  key: string;
  s3UploadId: string;
}

/** The key and S3 upload id a request means, from `key` or (old clients) `fileName` + our handle. */
function resolveTarget(ref: z.infer<typeof UploadRefSchema>): UploadTarget {
  const { folder, s3UploadId } = parseUploadHandle(ref.uploadId);
  if (ref.key !== undefined) {
    const match = UPLOAD_KEY_PATTERN.exec(ref.key);
    if (!match) {
      throw new AppError(
        "INVALID_REQUEST",
        "key: must be the key create_multipart_upload returned (uploads/<id>/<fileName>)",
        {
          details: { fields: ["key"] },
        },
      );
    }
    if (folder !== undefined && folder !== match[1]) {
      throw new AppError("INVALID_REQUEST", "key: does not belong to this uploadId", {
        details: { fields: ["key"] },
      });
    }
    return { key: ref.key, s3UploadId };
  }
  if (ref.fileName !== undefined) {
    if (folder === undefined || !UPLOAD_ID_PATTERN.test(folder)) {
      throw new AppError(
        "INVALID_REQUEST",
        "key: required (fileName alone works only with the uploadId create_multipart_upload returned)",
        {
          details: { fields: ["key"] },
        },
      );
    }
    return { key: uploadKey(folder, ref.fileName), s3UploadId };
  }
  throw new AppError("INVALID_REQUEST", "key: required (or fileName)", { details: { fields: ["key"] } });
}

export function makeUploadRoutes(deps: ApiDeps) {
  const { s3, config } = deps;
  const bucket = config.bucket;

  const signPart = (key: string, s3UploadId: string, part: number) =>
    deps.presign(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: s3UploadId, PartNumber: part }),
      config.presignExpiresSeconds,
    );

  async function create(request: ApiRequest): Promise<FunctionUrlResult> {
    const body = parseOrThrow(CreateSchema, jsonBody(request, config.maxBodyBytes), "INVALID_REQUEST");
    const folder = newUploadId();
    const key = uploadKey(folder, body.fileName);
    const partSize = partSizeFor(body.fileSize);
    const partCount = partCountFor(body.fileSize, partSize);
    let s3UploadId: string;
    try {
      const out = await s3.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          ...(body.contentType ? { ContentType: body.contentType } : {}),
        }),
      );
      if (!out.UploadId) throw new Error("CreateMultipartUpload returned no UploadId");
      s3UploadId = out.UploadId;
    } catch (err) {
      throw s3Failure(err, "Starting the multipart upload");
    }
    const batch = Math.min(partCount, UPLOAD_LIMITS.urlBatch);
    const urls = await Promise.all(Array.from({ length: batch }, (_, i) => signPart(key, s3UploadId, i + 1)));
    deps.log("upload created", { key, partCount });
    return json(200, {
      uploadId: uploadHandle(folder, s3UploadId),
      key,
      partSize,
      partCount,
      urls,
      expiresIn: config.presignExpiresSeconds,
    });
  }

  async function signParts(request: ApiRequest): Promise<FunctionUrlResult> {
    const body = parseOrThrow(SignSchema, jsonBody(request, config.maxBodyBytes), "INVALID_REQUEST");
    const target = resolveTarget(body);
    const numbers = [...new Set(body.partNumbers)];
    const urls = await Promise.all(numbers.map((n) => signPart(target.key, target.s3UploadId, n)));
    return json(200, {
      key: target.key,
      parts: numbers.map((partNumber, i) => ({ partNumber, url: urls[i] })),
      expiresIn: config.presignExpiresSeconds,
    });
  }

  async function complete(request: ApiRequest): Promise<FunctionUrlResult> {
    const body = parseOrThrow(CompleteSchema, jsonBody(request, config.maxBodyBytes), "INVALID_REQUEST");
    const target = resolveTarget(body);
    const parts = [...body.parts].sort((a, b) => a.PartNumber - b.PartNumber);
    for (let i = 1; i < parts.length; i++) {
      if (parts[i]?.PartNumber === parts[i - 1]?.PartNumber) {
        throw new AppError("INVALID_REQUEST", `parts: part ${parts[i]?.PartNumber} is listed twice`, {
          details: { fields: ["parts"] },
        });
      }
    }
    try {
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: target.key,
          UploadId: target.s3UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (err) {
      // A client retrying a completion that already went through finds the object in place.
      const existing = isNotFound(err) ? await headObject(s3, bucket, target.key) : undefined;
      if (!existing) throw completeFailure(err, target);
    }
    // The upload under uploads/ is what starts the media pipeline (EventBridge in AWS, the local S3
    // server's event locally); the API starts nothing itself. It returns the id ingest will use: the
    // content's SHA-256, computed the same way (see docs/api.md).
    const { sha256, size } = await sha256OfObject(s3, bucket, target.key);
    const videoId = videoIdFromSha256(sha256);
    const videoStatus = await waitForStatus(videoId);
    deps.log("upload completed", { key: target.key, videoId, size, videoStatus });
    return json(200, {
      status: "success",
      video_id: videoId,
      videoId,
      key: target.key,
      size,
      videoStatus,
      statusUrl: `/status/${videoId}`,
    });
  }

  /** The video's status once ingest has written it (bounded wait), or null. */
  async function waitForStatus(videoId: string): Promise<string | null> {
    const deadline = Date.now() + config.completeWaitMs;
    for (;;) {
      const doc = await getJson(s3, bucket, statusKey(videoId));
      const status = (doc as { status?: unknown } | undefined)?.status;
      if (typeof status === "string") return status;
      if (Date.now() >= deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async function abort(request: ApiRequest): Promise<FunctionUrlResult> {
    const body = parseOrThrow(UploadRefSchema, jsonBody(request, config.maxBodyBytes), "INVALID_REQUEST");
    const target = resolveTarget(body);
    try {
      await s3.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: target.key, UploadId: target.s3UploadId }),
      );
    } catch (err) {
      if (isNotFound(err))
        throw new AppError("NOT_FOUND", `No multipart upload ${body.uploadId} is open for ${target.key}.`);
      throw s3Failure(err, "Aborting the multipart upload");
    }
    return json(200, { status: "aborted", key: target.key });
  }

  /** The parts S3 already holds, so a client can resume after a failure. */
  async function listParts(request: ApiRequest): Promise<FunctionUrlResult> {
    const body = parseOrThrow(UploadRefSchema, jsonBody(request, config.maxBodyBytes), "INVALID_REQUEST");
    const target = resolveTarget(body);
    const parts: { PartNumber: number; ETag: string; Size: number }[] = [];
    let marker: string | undefined;
    try {
      for (;;) {
        const out = await s3.send(
          new ListPartsCommand({
            Bucket: bucket,
            Key: target.key,
            UploadId: target.s3UploadId,
            ...(marker ? { PartNumberMarker: marker } : {}),
          }),
        );
        for (const part of out.Parts ?? []) {
          if (part.PartNumber !== undefined && part.ETag) {
            parts.push({ PartNumber: part.PartNumber, ETag: part.ETag, Size: part.Size ?? 0 });
          }
        }
        if (!out.IsTruncated || !out.NextPartNumberMarker) break;
        marker = out.NextPartNumberMarker;
      }
    } catch (err) {
      if (isNotFound(err))
        throw new AppError("NOT_FOUND", `No multipart upload ${body.uploadId} is open for ${target.key}.`);
      throw s3Failure(err, "Listing the uploaded parts");
    }
    return json(200, { key: target.key, parts });
  }

  return { create, signParts, complete, abort, listParts };
}

function completeFailure(err: unknown, target: UploadTarget): AppError {
  const name = s3ErrorName(err);
  if (name === "NoSuchUpload") {
    return new AppError("NOT_FOUND", `No multipart upload is open for ${target.key} with that uploadId.`);
  }
  if (
    name === "InvalidPart" ||
    name === "InvalidPartOrder" ||
    name === "EntityTooSmall" ||
    name === "MalformedXML"
  ) {
    return new AppError(
      "INVALID_REQUEST",
      `parts: S3 refused them (${name}); upload every part and send its ETag.`,
      {
        details: { fields: ["parts"] },
      },
    );
  }
  return s3Failure(err, "Completing the multipart upload");
}

export const isUploadKey = (key: string): boolean =>
  key.startsWith(PREFIXES.uploads) && UPLOAD_KEY_PATTERN.test(key);
