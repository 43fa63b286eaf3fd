import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { AppError } from "../contracts/errors.js";
import { digestStream } from "../shared/stream-digest.js";

/** Narrow S3 transport functions; the client is always the first argument. */

export async function sha256OfObject(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ sha256: string; size: number }> {
  const body = await getBody(s3, bucket, key);
  return digestStream(body);
}

export async function downloadToFile(
  s3: S3Client,
  bucket: string,
  key: string,
  path: string,
): Promise<number> {
  const body = await getBody(s3, bucket, key);
  await pipeline(body, createWriteStream(path));
  return (await stat(path)).size;
}

export async function getText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const body = await getBody(s3, bucket, key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  } catch (err) {
    if (err instanceof AppError && err.name === "VIDEO_NOT_FOUND") return undefined;
    throw err;
  }
}

export async function putText(
  s3: S3Client,
  bucket: string,
  key: string,
  text: string,
  contentType: string,
): Promise<void> {
  await send(() =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: text,
        ContentType: contentType,
        CacheControl: cacheControl(key),
      }),
    ),
  );
}

export async function putFile(s3: S3Client, bucket: string, key: string, path: string): Promise<number> {
  const size = (await stat(path)).size;
  await send(() =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: createReadStream(path),
        ContentLength: size,
        ContentType: contentTypeFor(key),
        CacheControl: cacheControl(key),
      }),
    ),
  );
  return size;
}

export async function headSize(s3: S3Client, bucket: string, key: string): Promise<number | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.ContentLength ?? 0;
  } catch (err) {
    if (err instanceof NotFound || err instanceof NoSuchKey || httpStatus(err) === 404) return undefined;
    throw transient(err, `HEAD s3://${bucket}/${key}`);
  }
}

export async function listKeys(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<Array<{ key: string; size: number }>> {
  const out: Array<{ key: string; size: number }> = [];
  let token: string | undefined;
  do {
    const page = await send(() =>
      s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token })),
    );
    for (const item of page.Contents ?? []) if (item.Key) out.push({ key: item.Key, size: item.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

export async function deleteKeys(s3: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    await send(() =>
      s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      ),
    );
  }
}

/** Runs `tasks` with at most `limit` in flight. */
export async function withConcurrency<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  });
  await Promise.all(workers);
}

async function getBody(s3: S3Client, bucket: string, key: string): Promise<Readable> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!response.Body) throw new AppError("S3_TRANSIENT", `GET s3://${bucket}/${key} returned no body`);
    return response.Body as Readable;
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (err instanceof NoSuchKey || httpStatus(err) === 404) {
      throw new AppError("VIDEO_NOT_FOUND", `s3://${bucket}/${key} does not exist`, { cause: err });
    }
    throw transient(err, `GET s3://${bucket}/${key}`);
  }
}

async function send<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw transient(err, "S3 request");
  }
}

function transient(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  const status = httpStatus(err);
  const message = err instanceof Error ? err.message : String(err);
  if (status === undefined || status >= 500 || status === 429) {
    return new AppError("S3_TRANSIENT", `${what} failed: ${message}`, { cause: err });
  }
  return new AppError("INTERNAL_ERROR", `${what} failed (HTTP ${status}): ${message}`, { cause: err });
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

const CONTENT_TYPES: Record<string, string> = {
  m3u8: "application/vnd.apple.mpegurl",
  mpd: "application/dash+xml",
  mp4: "video/mp4",
  m4s: "video/iso.segment",
  vtt: "text/vtt; charset=utf-8",
  jpg: "image/jpeg",
  json: "application/json",
  flac: "audio/flac",
};

export function contentTypeFor(key: string): string {
  const extension = key.slice(key.lastIndexOf(".") + 1).toLowerCase();
  return CONTENT_TYPES[extension] ?? "application/octet-stream";
}

/** Segments and images change only on reprocess; manifests and the status change as steps run. */
function cacheControl(key: string): string {
  return /\.(mp4|m4s|jpg)$/.test(key) ? "public, max-age=86400" : "no-cache";
}
