import {
  nameMappingKey,
  PREFIXES,
  PROCESSED_FILES,
  processedPrefix,
  statusKey,
} from "../contracts/bucket-layout.js";
import { AppError } from "../contracts/errors.js";
import { isVideoId } from "../contracts/ids.js";
import { NameMappingSchema, type VideoStatus, VideoStatusSchema } from "../contracts/video-status.js";
import type { ApiDeps } from "./deps.js";
import { type ApiRequest, type FunctionUrlResult, json } from "./http.js";
import type { RouteContext, RouteParams } from "./router.js";
import { deleteAllUnder, deleteKeys, getJson, listChildPrefixes } from "./s3-ops.js";
import { streamUrl } from "./stream.js";
import { isUploadKey } from "./uploads.js";

/** Status documents read at once while listing. */
const READ_CONCURRENCY = 16;
export const LIST_LIMITS = { defaultLimit: 100, maxLimit: 1000 } as const;

type StatusDoc = VideoStatus & Record<string, unknown>;

/** Playback URLs for a complete video: stream capability URLs the page and players use as they are. */
export interface VideoUrls {
  hls: string | null;
  dash: string | null;
  poster: string | null;
  thumbnails: string | null;
  subtitles: { language: string; url: string }[];
}

/** Maps `mapAsync` over items with at most `limit` in flight. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** `{createdAt, videoId}` of the last item, base64url JSON: stable while videos are added or removed. */
export function encodeCursor(doc: { createdAt: string; videoId: string }): string {
  return Buffer.from(JSON.stringify([doc.createdAt, doc.videoId])).toString("base64url");
}

export function decodeCursor(cursor: string): { createdAt: string; videoId: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && typeof value[0] === "string" && typeof value[1] === "string") {
      return { createdAt: value[0], videoId: value[1] };
    }
  } catch {
    // fall through
  }
  throw new AppError("INVALID_REQUEST", "cursor: not a cursor this API returned", {
    details: { fields: ["cursor"] },
  });
}

/** Newest first; ties by id so the order is total (cursor pagination needs that). */
export function newestFirst(
  a: { createdAt: string; videoId: string },
  b: { createdAt: string; videoId: string },
): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.videoId === b.videoId ? 0 : a.videoId < b.videoId ? -1 : 1;
}

function parseLimit(raw: string | null): number {
  if (raw === null) return LIST_LIMITS.defaultLimit;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > LIST_LIMITS.maxLimit) {
    throw new AppError("INVALID_REQUEST", `limit: must be a whole number from 1 to ${LIST_LIMITS.maxLimit}`, {
      details: { fields: ["limit"] },
    });
  }
  return limit;
}

export function makeVideoRoutes(deps: ApiDeps) {
  const { s3, config } = deps;
  const bucket = config.bucket;

  async function readStatus(videoId: string): Promise<StatusDoc | undefined> {
    const raw = await getJson(s3, bucket, statusKey(videoId));
    if (raw === undefined) return undefined;
    const parsed = VideoStatusSchema.safeParse(raw);
    if (!parsed.success) {
      deps.log("status document does not match the contract", { videoId });
      return { ...(raw as StatusDoc), videoId };
    }
    return { ...(raw as Record<string, unknown>), ...parsed.data };
  }

  /** A video id, or (old clients) an original file name through its name mapping. */
  async function resolveVideoId(ref: string): Promise<string | undefined> {
    if (isVideoId(ref)) return ref;
    const candidates = ref.includes("+") ? [ref, ref.replace(/\+/g, " ")] : [ref];
    for (const name of candidates) {
      const mapping = NameMappingSchema.safeParse(await getJson(s3, bucket, nameMappingKey(name)));
      if (mapping.success) return mapping.data.videoId;
    }
    return undefined;
  }

  async function listStatuses(): Promise<StatusDoc[]> {
    const prefixes = (await listChildPrefixes(s3, bucket, PREFIXES.processed)).filter(
      (p) => p !== PREFIXES.names,
    );
    const ids = prefixes.map((p) => p.slice(PREFIXES.processed.length, -1)).filter(isVideoId);
    const docs = await mapLimited(ids, READ_CONCURRENCY, readStatus);
    return docs.filter((doc): doc is StatusDoc => doc !== undefined).sort(newestFirst);
  }

  function urlsFor(request: ApiRequest, context: RouteContext, doc: StatusDoc): VideoUrls {
    const expires = Math.floor(deps.now().getTime() / 1000) + config.streamUrlSeconds;
    const url = (key: string | null | undefined) => {
      if (!key) return null;
      const prefix = processedPrefix(doc.videoId);
      const file = key.startsWith(prefix) ? key.slice(prefix.length) : key;
      return streamUrl(request.origin, context.token, doc.videoId, file, expires);
    };
    const assets = doc.assets;
    return {
      hls: url(assets?.hlsMaster ?? PROCESSED_FILES.hlsMaster),
      dash: url(assets?.dashManifest),
      poster: url(assets?.poster),
      thumbnails: url(assets?.thumbnailsVtt),
      subtitles: (assets?.subtitles ?? []).map((s) => ({ language: s.language, url: url(s.key) as string })),
    };
  }

  /** The old clients' list item fields, plus ours. */
  function listItem(request: ApiRequest, context: RouteContext, doc: StatusDoc) {
    const urls = urlsFor(request, context, doc);
    return {
      video_id: doc.videoId,
      videoId: doc.videoId,
      fileName: doc.fileName,
      base_name: doc.fileName.replace(/\.[^.]*$/, ""),
      status: doc.status,
      uploaded_at: doc.createdAt,
      createdAt: doc.createdAt,
      durationSeconds: doc.durationSeconds ?? null,
      presets: (doc.renditions ?? []).map((r) => r.name),
      renditions: doc.renditions ?? [],
      hls_url: urls.hls,
      dash_url: urls.dash,
      thumbnail_url: urls.poster,
      sprite: urls.thumbnails,
      subtitles: urls.subtitles.map((s) => ({ lang: s.language, url: s.url })),
      urls,
      totalBytes: doc.totalBytes ?? null,
    };
  }

  async function status(
    request: ApiRequest,
    params: RouteParams,
    context: RouteContext,
  ): Promise<FunctionUrlResult> {
    const ref = params.id ?? "";
    const videoId = await resolveVideoId(ref);
    const doc = videoId ? await readStatus(videoId) : undefined;
    if (!doc) {
      throw new AppError("VIDEO_NOT_FOUND", `No video ${JSON.stringify(ref)} (not a known id or file name).`);
    }
    const body = {
      ...doc,
      video_id: doc.videoId,
      ...(doc.status === "processing_complete" ? { urls: urlsFor(request, context, doc) } : {}),
    };
    const inProgress = doc.status === "queued" || doc.status === "processing";
    return json(inProgress ? 202 : 200, body);
  }

  async function list(
    request: ApiRequest,
    _params: RouteParams,
    context: RouteContext,
  ): Promise<FunctionUrlResult> {
    const limit = parseLimit(request.query.get("limit"));
    const cursorRaw = request.query.get("cursor");
    const after = cursorRaw ? decodeCursor(cursorRaw) : undefined;
    const complete = (await listStatuses()).filter((doc) => doc.status === "processing_complete");
    const start = after ? complete.filter((doc) => newestFirst(doc, after) > 0) : complete;
    const page = start.slice(0, limit);
    const last = page[page.length - 1];
    const headers: Record<string, string> = {};
    if (start.length > limit && last) headers["x-next-cursor"] = encodeCursor(last);
    return json(
      200,
      page.map((doc) => listItem(request, context, doc)),
      headers,
    );
  }

  async function inProgress(): Promise<FunctionUrlResult> {
    const docs = (await listStatuses()).filter(
      (doc) => doc.status === "queued" || doc.status === "processing",
    );
    return json(
      200,
      docs.map((doc) => ({ ...doc, video_id: doc.videoId })),
    );
  }

  async function remove(_request: ApiRequest, params: RouteParams): Promise<FunctionUrlResult> {
    const ref = params.id ?? "";
    const videoId = await resolveVideoId(ref);
    if (!videoId)
      throw new AppError("VIDEO_NOT_FOUND", `No video ${JSON.stringify(ref)} (not a known id or file name).`);
    const doc = await readStatus(videoId);
    if (doc && (doc.status === "queued" || doc.status === "processing")) {
      throw new AppError(
        "CONFLICT",
        `Video ${videoId} is ${doc.status}; delete it once it has finished or failed.`,
      );
    }
    const deleted = await deleteAllUnder(s3, bucket, processedPrefix(videoId));
    if (!doc && deleted === 0) {
      throw new AppError("VIDEO_NOT_FOUND", `No video ${JSON.stringify(ref)}.`);
    }
    // The name mappings that point at this video, and the original upload.
    const extra: string[] = [];
    const names = new Set<string>([
      ...(doc?.fileName ? [doc.fileName] : []),
      ...(isVideoId(ref) ? [] : [ref]),
    ]);
    for (const name of names) {
      const mapping = NameMappingSchema.safeParse(await getJson(s3, bucket, nameMappingKey(name)));
      if (mapping.success && mapping.data.videoId === videoId) extra.push(nameMappingKey(name));
    }
    if (doc?.source && doc.source.bucket === bucket && isUploadKey(doc.source.key))
      extra.push(doc.source.key);
    if (extra.length > 0) await deleteKeys(s3, bucket, extra);
    deps.log("video deleted", { videoId, objects: deleted + extra.length });
    return json(200, {
      status: "success",
      message: "Video deleted successfully.",
      videoId,
      deletedObjects: deleted + extra.length,
    });
  }

  return { status, list, inProgress, remove, readStatus };
}
