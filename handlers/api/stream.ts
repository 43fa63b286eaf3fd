import { GetObjectCommand } from "@aws-sdk/client-s3";
import { PREFIXES, processedKey } from "../contracts/bucket-layout.js";
import { AppError } from "../contracts/errors.js";
import { streamCapability, verifyStreamCapability } from "./auth.js";
import type { ApiDeps } from "./deps.js";
import { type ApiRequest, type FunctionUrlResult, redirect, text } from "./http.js";
import type { RouteContext, RouteParams } from "./router.js";
import { getText } from "./s3-ops.js";

const PROCESSED_OUTPUT = /^processed\/([0-9a-f]{32})\/(.+)$/;

/**
 * The S3 key a `/stream/<key>` path names, or a 400. Accepts `processed/<videoId>/<file>` and the old
 * clients' form without `processed/`; percent- and `+`-encoding are decoded (no key in our layout has a
 * `+` or a space). Everything else is refused: traversal (`..`, `.`), empty segments, absolute keys,
 * backslashes, control characters, and anything outside a video's outputs (e.g. the name mappings).
 */
export function streamKeyFrom(raw: string): { key: string; videoId: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    throw invalidKey("is not valid percent-encoding");
  }
  if (decoded.startsWith("/")) throw invalidKey("must be relative (no leading /)");
  if (/[\\\p{Cc}]/u.test(decoded)) throw invalidKey("must not contain backslashes or control characters");
  const segments = decoded.split("/");
  if (segments.some((segment) => segment === "" || segment === "." || segment === "..")) {
    throw invalidKey("must not contain empty, `.` or `..` segments");
  }
  const key = decoded.startsWith(PREFIXES.processed) ? decoded : `${PREFIXES.processed}${decoded}`;
  const match = PROCESSED_OUTPUT.exec(key);
  if (!match) throw invalidKey("must name a file inside processed/<videoId>/");
  return { key, videoId: match[1] as string };
}

const invalidKey = (why: string) =>
  new AppError("INVALID_REQUEST", `key: ${why}`, { details: { fields: ["key"] } });

/** Text files served by the API itself, so the relative URLs inside them resolve back to the API. */
const SERVED_DIRECTLY: Record<string, string> = {
  ".m3u8": "application/vnd.apple.mpegurl",
  ".mpd": "application/dash+xml",
  ".vtt": "text/vtt; charset=utf-8",
};
/** Larger text files are redirected like segments (a Function URL response is capped at 6 MB). */
const MAX_DIRECT_BYTES = 4 * 1024 * 1024;

/** `<origin>/stream/s/<capability>/processed/<videoId>/<file>`: what players and the page are given. */
export function streamUrl(
  origin: string,
  token: string | undefined,
  videoId: string,
  file: string,
  expires: number,
): string {
  const path = processedKey(videoId, file).split("/").map(encodeURIComponent).join("/");
  return `${origin}/stream/s/${streamCapability(token, videoId, expires)}/${path}`;
}

export function makeStreamRoutes(deps: ApiDeps) {
  const { config } = deps;

  async function serve(key: string): Promise<FunctionUrlResult> {
    const extension = /\.[a-z0-9]+$/i.exec(key)?.[0]?.toLowerCase() ?? "";
    const contentType = SERVED_DIRECTLY[extension];
    if (contentType) {
      const body = await getText(deps.s3, config.bucket, key);
      if (body === undefined) throw new AppError("NOT_FOUND", `No file ${key}.`);
      if (Buffer.byteLength(body) <= MAX_DIRECT_BYTES) {
        return text(200, body, contentType, { "cache-control": "private, max-age=30" });
      }
    }
    const url = await deps.presign(
      new GetObjectCommand({ Bucket: config.bucket, Key: key }),
      config.presignExpiresSeconds,
    );
    return redirect(url);
  }

  /** `GET /stream/*key` with the bearer token (API clients). */
  async function withToken(_request: ApiRequest, params: RouteParams): Promise<FunctionUrlResult> {
    const { key } = streamKeyFrom(params.key ?? "");
    return serve(key);
  }

  /** `GET /stream/s/:capability/*key` (players, no header): the capability must cover the video. */
  async function withCapability(
    _request: ApiRequest,
    params: RouteParams,
    context: RouteContext,
  ): Promise<FunctionUrlResult> {
    const { key, videoId } = streamKeyFrom(params.key ?? "");
    verifyStreamCapability(
      context.token,
      params.capability ?? "",
      videoId,
      Math.floor(deps.now().getTime() / 1000),
    );
    return serve(key);
  }

  return { withToken, withCapability };
}
