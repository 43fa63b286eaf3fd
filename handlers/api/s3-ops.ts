import type { Readable } from "node:stream";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { AppError } from "../contracts/errors.js";
import { digestStream } from "../shared/stream-digest.js";

/**
 * The api function's S3 calls, each a narrow transport function taking the client first. Listings use
 * ListObjects with `Marker` (a plain key), not V2 continuation tokens: the same on S3 and on the local
 * server in any process (s3rver encrypts V2 tokens with DES, which OpenSSL 3 refuses by default).
 */

export function s3ErrorName(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof e.Code === "string") return e.Code;
  return typeof e.name === "string" ? e.name : undefined;
}

export function isNotFound(err: unknown): boolean {
  const name = s3ErrorName(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return name === "NoSuchKey" || name === "NotFound" || name === "NoSuchUpload" || status === 404;
}

/** Turns an unexpected S3 failure into the registry: throttling and 5xx are transient, the rest internal. */
export function s3Failure(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  const status =
    (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode ?? 0;
  const name = s3ErrorName(err) ?? "Error";
  const transient =
    status >= 500 || name === "SlowDown" || name === "Throttling" || name === "RequestTimeout";
  const detail =
    err instanceof Error && err.message && err.message !== name ? `: ${err.message.slice(0, 200)}` : "";
  return new AppError(transient ? "S3_TRANSIENT" : "INTERNAL_ERROR", `${what} failed: ${name}${detail}`, {
    cause: err,
  });
}

/** Small JSON/text objects; a read that breaks mid-body (an object being rewritten) is tried again. */
export async function getText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await out.Body?.transformToString("utf-8")) ?? "";
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (attempt >= 3) throw s3Failure(err, `Reading s3://${bucket}/${key}`);
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

export async function getJson(s3: S3Client, bucket: string, key: string): Promise<unknown> {
  const body = await getText(s3, bucket, key);
  if (body === undefined) return undefined;
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new AppError("INTERNAL_ERROR", `s3://${bucket}/${key} is not valid JSON`, { cause: err });
  }
}

export async function headObject(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ size: number; contentType: string | undefined } | undefined> {
  try {
    const out = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { size: out.ContentLength ?? 0, contentType: out.ContentType };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw s3Failure(err, `Reading s3://${bucket}/${key}`);
  }
}

/** SHA-256 of an object, streamed (never held in memory): the contracts' video id is its first 32 hex. */
export async function sha256OfObject(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ sha256: string; size: number }> {
  let body: Readable;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    body = out.Body as Readable;
  } catch (err) {
    throw s3Failure(err, `Reading s3://${bucket}/${key}`);
  }
  return digestStream(body);
}

/** The common prefixes one level under `prefix` (e.g. `processed/<id>/`), in key order. */
export async function listChildPrefixes(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const seen = new Set<string>();
  let startAfter: string | undefined;
  for (;;) {
    let out: Awaited<ReturnType<typeof listPage>>;
    try {
      out = await listPage(s3, bucket, prefix, "/", startAfter);
    } catch (err) {
      throw s3Failure(err, `Listing s3://${bucket}/${prefix}`);
    }
    const prefixes = (out.CommonPrefixes ?? []).map((p) => p.Prefix).filter((p): p is string => Boolean(p));
    const keys = (out.Contents ?? []).map((c) => c.Key).filter((k): k is string => Boolean(k));
    let last = startAfter;
    for (const p of prefixes) {
      seen.add(p);
      // `~` sorts after every character our layout uses, so the next page starts past this prefix.
      if (last === undefined || `${p}~` > last) last = `${p}~`;
    }
    for (const k of keys) if (last === undefined || k > last) last = k;
    if (!out.IsTruncated || last === startAfter) break;
    startAfter = last;
  }
  return [...seen].sort();
}

function listPage(
  s3: S3Client,
  bucket: string,
  prefix: string,
  delimiter: string | undefined,
  startAfter?: string,
) {
  return s3.send(
    new ListObjectsCommand({
      Bucket: bucket,
      Prefix: prefix,
      ...(delimiter ? { Delimiter: delimiter } : {}),
      ...(startAfter ? { Marker: startAfter } : {}),
      MaxKeys: 1000,
    }),
  );
}

/** Deletes every object under `prefix`, however many (pages of 1,000). Returns how many were deleted. */
export async function deleteAllUnder(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    let keys: string[];
    try {
      const out = await listPage(s3, bucket, prefix, undefined);
      keys = (out.Contents ?? []).map((c) => c.Key).filter((k): k is string => Boolean(k));
    } catch (err) {
      throw s3Failure(err, `Listing s3://${bucket}/${prefix}`);
    }
    if (keys.length === 0) return deleted;
    await deleteKeys(s3, bucket, keys);
    deleted += keys.length;
  }
}

export async function deleteKeys(s3: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    let errors: { Key?: string; Code?: string }[];
    try {
      const out = await s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      errors = out.Errors ?? [];
    } catch (err) {
      throw s3Failure(err, `Deleting from s3://${bucket}`);
    }
    if (errors.length > 0) {
      throw new AppError(
        "S3_TRANSIENT",
        `Could not delete ${errors.length} object(s), e.g. ${errors[0]?.Key}: ${errors[0]?.Code}`,
      );
    }
  }
}
