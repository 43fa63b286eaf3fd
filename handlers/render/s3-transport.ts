import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { S3Location } from "../contracts/bucket-layout.js";
import { AppError, type ErrorName } from "../contracts/errors.js";
import { digestTap } from "../shared/stream-digest.js";

/**
 * The render function's S3 calls, each taking the client first. Downloads hash while they stream and
 * compare with the expected SHA-256 (DIGEST_MISMATCH, retried); uploads record the SHA-256 in metadata.
 */

const NOT_FOUND = new Set(["NoSuchKey", "NotFound", "NoSuchBucket"]);

/** Classifies an S3 SDK error: missing objects become `notFound`, everything else S3_TRANSIENT. */
export function s3Error(err: unknown, what: string, notFound: ErrorName): AppError {
  if (err instanceof AppError) return err;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (NOT_FOUND.has(e.name ?? "") || e.$metadata?.httpStatusCode === 404) {
    return new AppError(notFound, `${what} does not exist`, { cause: err });
  }
  return new AppError(
    "S3_TRANSIENT",
    `S3 failed on ${what}: ${e.name ?? "Error"}: ${e.message ?? String(err)}`,
    { cause: err },
  );
}

const label = (loc: S3Location): string => `s3://${loc.bucket}/${loc.key}`;

export interface DownloadResult {
  readonly sha256: string;
  readonly size: number;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface DownloadOptions {
  /** Fail with DIGEST_MISMATCH unless the bytes hash to this. */
  readonly expectedSha256?: string;
  /** Fail with `tooLarge` before downloading when the object is larger. */
  readonly maxBytes?: number;
  readonly tooLarge?: ErrorName;
  /** Registry name when the object is missing. */
  readonly notFound?: ErrorName;
  readonly abortSignal?: AbortSignal;
}

const DOWNLOAD_ATTEMPTS = 3;

/** Downloads an object to `path`, hashing as it streams; a reset connection is tried again (3 attempts). */
export async function downloadToFile(
  s3: S3Client,
  loc: S3Location,
  path: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await downloadOnce(s3, loc, path, options);
    } catch (err) {
      const transient = err instanceof AppError && err.name === "S3_TRANSIENT";
      if (!transient || attempt >= DOWNLOAD_ATTEMPTS || options.abortSignal?.aborted) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

async function downloadOnce(
  s3: S3Client,
  loc: S3Location,
  path: string,
  options: DownloadOptions,
): Promise<DownloadResult> {
  let response: GetObjectCommandOutput;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }), {
      abortSignal: options.abortSignal,
    });
  } catch (err) {
    throw s3Error(err, label(loc), options.notFound ?? "S3_TRANSIENT");
  }
  if (options.maxBytes !== undefined && (response.ContentLength ?? 0) > options.maxBytes) {
    const body = response.Body as { destroy?: () => void } | undefined;
    body?.destroy?.();
    throw new AppError(
      options.tooLarge ?? "PROJECT_TOO_LARGE",
      `${label(loc)} is ${response.ContentLength} bytes; the limit is ${options.maxBytes}.`,
    );
  }
  const body = response.Body as NodeJS.ReadableStream | undefined;
  if (!body) throw new AppError("S3_TRANSIENT", `${label(loc)} came back without a body`);
  await mkdir(dirname(path), { recursive: true });
  const { tap, result } = digestTap();
  try {
    await pipeline(body, tap, createWriteStream(path));
  } catch (err) {
    throw new AppError("S3_TRANSIENT", `Downloading ${label(loc)} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const { hex: sha256, size } = result();
  if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256) {
    throw new AppError(
      "DIGEST_MISMATCH",
      `${label(loc)} hashed to ${sha256}, expected ${options.expectedSha256}`,
      { details: { key: loc.key } },
    );
  }
  return { sha256, size, metadata: response.Metadata ?? {} };
}

export async function headObject(
  s3: S3Client,
  loc: S3Location,
  notFound: ErrorName,
): Promise<{ size: number; metadata: Record<string, string> }> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
    return { size: head.ContentLength ?? 0, metadata: head.Metadata ?? {} };
  } catch (err) {
    throw s3Error(err, label(loc), notFound);
  }
}

const MULTIPART_THRESHOLD = 64 * 1024 * 1024;

/** Uploads a local file; large files go up in parts. `metadata` becomes x-amz-meta-*. */
export async function uploadFile(
  s3: S3Client,
  loc: S3Location,
  path: string,
  options: { metadata?: Record<string, string>; contentType?: string } = {},
): Promise<void> {
  const { size } = await stat(path);
  try {
    if (size < MULTIPART_THRESHOLD) {
      // A buffer, not a stream: the SDK can then resend it when a kept-alive socket was reset.
      await s3.send(
        new PutObjectCommand({
          Bucket: loc.bucket,
          Key: loc.key,
          Body: await readFile(path),
          ContentLength: size,
          ContentType: options.contentType,
          Metadata: options.metadata,
        }),
      );
      return;
    }
    await new Upload({
      client: s3,
      params: {
        Bucket: loc.bucket,
        Key: loc.key,
        Body: createReadStream(path),
        ContentType: options.contentType,
        Metadata: options.metadata,
      },
      partSize: 16 * 1024 * 1024,
      queueSize: 4,
    }).done();
  } catch (err) {
    throw s3Error(err, label(loc), "S3_TRANSIENT");
  }
}

export async function putBytes(
  s3: S3Client,
  loc: S3Location,
  body: string | Uint8Array,
  contentType: string,
): Promise<void> {
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: loc.bucket, Key: loc.key, Body: body, ContentType: contentType }),
    );
  } catch (err) {
    throw s3Error(err, label(loc), "S3_TRANSIENT");
  }
}

/** Runs `work` over `items` with at most `limit` at once; the first failure rejects. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(runners);
  return results;
}
