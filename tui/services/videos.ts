import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, relative, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { PREFIXES, processedPrefix, statusKey } from "../../handlers/contracts/bucket-layout.js";
import { AppError } from "../../handlers/contracts/errors.js";
import type { TargetEndpoints } from "../../handlers/contracts/stack-outputs.js";
import { type VideoStatus, VideoStatusSchema } from "../../handlers/contracts/video-status.js";

/** S3 calls for videos: listing processed/*\/status.json, deleting, playback URLs, downloading a tree. */

async function readJson(s3: S3Client, bucket: string, key: string): Promise<unknown | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse((await out.Body?.transformToString("utf8")) ?? "null");
  } catch (err) {
    if (err instanceof NoSuchKey || (err as { name?: string }).name === "NoSuchKey") return undefined;
    throw err;
  }
}

async function listKeys(s3: S3Client, bucket: string, prefix: string, delimiter?: string) {
  const keys: { key: string; size: number }[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    const out = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(delimiter ? { Delimiter: delimiter } : {}),
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const item of out.Contents ?? []) if (item.Key) keys.push({ key: item.Key, size: item.Size ?? 0 });
    for (const item of out.CommonPrefixes ?? []) if (item.Prefix) prefixes.push(item.Prefix);
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return { keys, prefixes };
}

export async function getVideoStatus(
  s3: S3Client,
  bucket: string,
  videoId: string,
): Promise<VideoStatus | undefined> {
  const json = await readJson(s3, bucket, statusKey(videoId));
  if (json === undefined) return undefined;
  const parsed = VideoStatusSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Every video with a readable status document, newest first. */
export async function listVideos(s3: S3Client, bucket: string): Promise<VideoStatus[]> {
  const { prefixes } = await listKeys(s3, bucket, PREFIXES.processed, "/");
  const ids = prefixes
    .filter((prefix) => prefix !== PREFIXES.names)
    .map((prefix) => prefix.slice(PREFIXES.processed.length, -1));
  const statuses = await Promise.all(ids.map((id) => getVideoStatus(s3, bucket, id)));
  return statuses
    .filter((status): status is VideoStatus => status !== undefined)
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

/** Deletes processed/<id>/ and the name mappings that point at it. The original upload is kept. */
export async function deleteVideo(s3: S3Client, bucket: string, videoId: string): Promise<number> {
  const status = await getVideoStatus(s3, bucket, videoId);
  const { keys } = await listKeys(s3, bucket, processedPrefix(videoId));
  if (keys.length === 0 && !status) throw new AppError("VIDEO_NOT_FOUND", `No video has id ${videoId}.`);
  const toDelete = keys.map((item) => item.key);
  if (status) toDelete.push(`${PREFIXES.names}${encodeURIComponent(status.fileName)}.json`);
  for (let i = 0; i < toDelete.length; i += 1000) {
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: toDelete.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
      }),
    );
  }
  return toDelete.length;
}

/**
 * Where a video plays from. Locally the S3 server serves objects without signatures, so plain URLs
 * work (segments resolve relative to the manifest); in AWS the manifest URL is presigned and the API
 * (when deployed) is the way to play a whole ladder.
 */
export async function playbackUrls(
  s3: S3Client,
  endpoints: TargetEndpoints,
  status: VideoStatus,
): Promise<{ hls?: string; dash?: string; poster?: string }> {
  const assets = status.assets;
  if (!assets) return {};
  const url = async (key: string): Promise<string> => {
    if (endpoints.kind === "local" && endpoints.s3Endpoint) {
      return `${endpoints.s3Endpoint.replace(/\/$/, "")}/${endpoints.bucket}/${key}`;
    }
    return getSignedUrl(s3, new GetObjectCommand({ Bucket: endpoints.bucket, Key: key }), {
      expiresIn: 3600,
    });
  };
  return {
    hls: await url(assets.hlsMaster),
    ...(assets.dashManifest ? { dash: await url(assets.dashManifest) } : {}),
    poster: await url(assets.poster),
  };
}

/** Downloads every object under `prefix` into `dir`, keeping the relative paths (a tree that plays from disk). */
export async function downloadPrefix(
  s3: S3Client,
  bucket: string,
  prefix: string,
  dir: string,
  onFile?: (path: string, bytes: number) => void,
): Promise<{ files: number; bytes: number }> {
  const { keys } = await listKeys(s3, bucket, prefix);
  const root = resolve(dir);
  let bytes = 0;
  for (const item of keys) {
    const target = resolve(root, item.key.slice(prefix.length));
    if (!target.startsWith(root + sep)) continue; // never write outside the folder
    await mkdir(dirname(target), { recursive: true });
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: item.key }));
    if (!out.Body) continue;
    await pipeline(out.Body as Readable, createWriteStream(target));
    bytes += item.size;
    onFile?.(relative(root, target), item.size);
  }
  return { files: keys.length, bytes };
}

/** Downloads one object to a file. */
export async function downloadObject(
  s3: S3Client,
  bucket: string,
  key: string,
  file: string,
): Promise<number> {
  await mkdir(dirname(resolve(file)), { recursive: true });
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!out.Body) throw new AppError("INTERNAL_ERROR", `s3://${bucket}/${key} has no body`);
  await pipeline(out.Body as Readable, createWriteStream(file));
  return out.ContentLength ?? 0;
}
