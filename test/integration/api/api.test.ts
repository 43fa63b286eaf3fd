import { createHash, randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { HeadObjectCommand, ListObjectsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { nameMappingKey, statusKey } from "../../../handlers/contracts/bucket-layout.js";
import { RenderExecutionInputSchema } from "../../../handlers/contracts/render-events.js";
import type { VideoStatus } from "../../../handlers/contracts/video-status.js";
import { type ApiHarness, startApiHarness } from "./harness.js";

const MiB = 1024 * 1024;

let h: ApiHarness;
let sfnMock: ReturnType<typeof mockClient>;

beforeAll(async () => {
  h = await startApiHarness();
  sfnMock = mockClient(h.sfn);
});
afterAll(async () => {
  sfnMock.restore();
  await h.stop();
});
beforeEach(() => {
  sfnMock.reset();
});

interface CallOptions {
  body?: unknown;
  rawBody?: string | Buffer;
  token?: string | null;
  headers?: Record<string, string>;
}

async function call(method: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? h.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | Buffer | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  const response = await fetch(`${h.url}${path}`, {
    method,
    headers,
    body: typeof body === "string" || body === undefined ? body : new Uint8Array(body),
    redirect: "manual",
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: json as Record<string, unknown> & unknown[],
  };
}

/** A request with the path sent byte for byte (fetch would normalize `..`). */
function rawGet(path: string, token: string | null = h.token): Promise<{ status: number; body: string }> {
  const url = new URL(h.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: "GET",
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

async function putObject(key: string, body: string | Buffer, contentType?: string) {
  await h.s3.send(
    new PutObjectCommand({
      Bucket: h.bucket,
      Key: key,
      Body: body,
      ...(contentType ? { ContentType: contentType } : {}),
    }),
  );
}

async function exists(key: string): Promise<boolean> {
  try {
    await h.s3.send(new HeadObjectCommand({ Bucket: h.bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

function statusDoc(videoId: string, fields: Partial<VideoStatus> = {}): VideoStatus {
  return {
    videoId,
    fileName: `${videoId.slice(0, 6)}.mp4`,
    status: "processing_complete",
    source: { bucket: h.bucket, key: `uploads/${"a".repeat(24)}/${videoId.slice(0, 6)}.mp4`, size: 10 },
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    durationSeconds: 4,
    renditions: [
      { name: "360p", width: 640, height: 360, bitrate: 800_000, codecs: "avc1.64001e,mp4a.40.2" },
    ],
    assets: {
      hlsMaster: `processed/${videoId}/master.m3u8`,
      dashManifest: `processed/${videoId}/manifest.mpd`,
      poster: `processed/${videoId}/poster.jpg`,
      thumbnailsVtt: `processed/${videoId}/thumbnails/thumbnails.vtt`,
      spriteSheets: [`processed/${videoId}/thumbnails/sprite-000.jpg`],
      subtitles: [{ language: "en", key: `processed/${videoId}/subtitles/en.vtt` }],
    },
    ...fields,
  };
}

const newId = () => randomBytes(16).toString("hex");

async function putStatus(doc: VideoStatus) {
  await putObject(statusKey(doc.videoId), JSON.stringify(doc), "application/json");
}

/** Uploads `bytes` through the API's multipart routes (parts PUT to the presigned URLs) and completes. */
async function uploadThroughApi(fileName: string, bytes: Buffer, style: "key" | "fileName" = "key") {
  const created = await call("POST", "/create_multipart_upload", {
    body: { fileName, fileSize: bytes.length, contentType: "video/mp4" },
  });
  expect(created.status).toBe(200);
  const { uploadId, key, partSize, urls } = created.json as unknown as {
    uploadId: string;
    key: string;
    partSize: number;
    urls: string[];
  };
  const parts: { PartNumber: number; ETag: string }[] = [];
  for (let i = 0; i < urls.length; i++) {
    const res = await fetch(urls[i] as string, {
      method: "PUT",
      body: new Uint8Array(bytes.subarray(i * partSize, (i + 1) * partSize)),
    });
    expect(res.status).toBe(200);
    parts.push({ PartNumber: i + 1, ETag: res.headers.get("etag") as string });
  }
  const body = style === "key" ? { key, uploadId, parts } : { fileName, uploadId, parts };
  const completed = await call("POST", "/complete_multipart_upload", { body });
  return { created: created.json, completed, key };
}

describe("the page", () => {
  it("serves the page, its script, style and hls.js without a token", async () => {
    const page = await call("GET", "/", { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.text).toContain('<script src="/assets/app.js">');
    for (const [asset, type] of [
      ["app.js", "javascript"],
      ["style.css", "text/css"],
      ["hls.min.js", "javascript"],
    ] as const) {
      const res = await call("GET", `/assets/${asset}`, { token: null });
      expect(res.status, asset).toBe(200);
      expect(res.headers.get("content-type")).toContain(type);
    }
    const missing = await call("GET", "/assets/nope.js", { token: null });
    expect(missing.status).toBe(404);
    expect(missing.json.error).toBe("NOT_FOUND");
  });
});

describe("auth, routing and limits", () => {
  it("refuses API routes without a token or with a wrong one", async () => {
    const none = await call("GET", "/api/videos", { token: null });
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ error: "UNAUTHORIZED" });
    expect(typeof none.json.message).toBe("string");
    const wrong = await call("GET", "/api/videos", { token: "wrong-token" });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toBe("UNAUTHORIZED");
    const prefix = await call("GET", "/api/videos", { token: h.token.slice(0, -1) });
    expect(prefix.status).toBe(401);
    const deleteNoToken = await call("DELETE", `/api/video/${newId()}`, { token: null });
    expect(deleteNoToken.status).toBe(401);
    const ok = await call("GET", "/api/videos");
    expect(ok.status).toBe(200);
  });

  it("answers 404 for unknown routes and 405 for wrong methods", async () => {
    const unknown = await call("GET", "/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toBe("NOT_FOUND");
    const wrongMethod = await call("GET", "/create_multipart_upload");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json.error).toBe("METHOD_NOT_ALLOWED");
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    const put = await call("PUT", "/api/videos");
    expect(put.status).toBe(405);
  });

  it("answers 413 for oversized bodies (the handler's limit and the Function URL's 6 MB)", async () => {
    const big = await call("POST", "/create_multipart_upload", {
      rawBody: JSON.stringify({ fileName: "a.mp4", fileSize: 1, pad: "x".repeat(300 * 1024) }),
      headers: { "content-type": "application/json" },
    });
    expect(big.status).toBe(413);
    expect(big.json.error).toBe("PAYLOAD_TOO_LARGE");
    const huge = await call("POST", "/create_multipart_upload", { rawBody: Buffer.alloc(6 * MiB + 1, 0x61) });
    expect(huge.status).toBe(413);
  });

  it("sends CORS headers to allowed origins only, and answers preflight", async () => {
    const allowed = await call("GET", "/api/videos", { headers: { origin: "http://allowed.example" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://allowed.example");
    const other = await call("GET", "/api/videos", { headers: { origin: "http://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await call("OPTIONS", "/api/videos", {
      token: null,
      headers: { origin: "http://allowed.example", "access-control-request-method": "DELETE" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
  });
});

describe("multipart uploads", () => {
  it("names the missing or bad field (400)", async () => {
    const cases: [unknown, string][] = [
      [{ fileSize: 10 }, "fileName"],
      [{ fileName: "a.mp4" }, "fileSize"],
      [{ fileName: "a/b.mp4", fileSize: 10 }, "fileName"],
      [{ fileName: "a.mp4", fileSize: -1 }, "fileSize"],
      [{ fileName: "a.mp4", fileSize: 6 * 1024 ** 4 }, "fileSize"],
    ];
    for (const [body, field] of cases) {
      const res = await call("POST", "/create_multipart_upload", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error).toBe("INVALID_REQUEST");
      expect(res.json.message).toContain(field);
    }
    const notJson = await call("POST", "/create_multipart_upload", {
      rawBody: "{nope",
      headers: { "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.json.message).toContain("body");
    const noParts = await call("POST", "/complete_multipart_upload", {
      body: { key: `uploads/${"a".repeat(24)}/a.mp4`, uploadId: "x" },
    });
    expect(noParts.status).toBe(400);
    expect(noParts.json.message).toContain("parts");
    const noKey = await call("POST", "/complete_multipart_upload", {
      body: { uploadId: "x", parts: [{ PartNumber: 1, ETag: "e" }] },
    });
    expect(noKey.status).toBe(400);
    expect(noKey.json.message).toContain("key");
    const badKey = await call("POST", "/complete_multipart_upload", {
      body: { key: "processed/x/status.json", uploadId: "x", parts: [{ PartNumber: 1, ETag: "e" }] },
    });
    expect(badKey.status).toBe(400);
    expect(badKey.json.message).toContain("key");
    const noUploadId = await call("POST", "/abort_multipart_upload", {
      body: { key: `uploads/${"a".repeat(24)}/a.mp4` },
    });
    expect(noUploadId.status).toBe(400);
    expect(noUploadId.json.message).toContain("uploadId");
  });

  it("uploads in parts, completes, and returns the content's video id", async () => {
    const bytes = randomBytes(6 * MiB + 1234);
    const { created, completed, key } = await uploadThroughApi("clip one.mp4", bytes);
    expect(created).toMatchObject({ partSize: 5 * MiB, partCount: 2 });
    expect((created as unknown as { urls: string[] }).urls).toHaveLength(2);
    expect(key).toMatch(/^uploads\/[0-9a-f]{24}\/clip one\.mp4$/);
    expect(completed.status).toBe(200);
    expect(completed.json).toMatchObject({
      status: "success",
      video_id: sha256(bytes).slice(0, 32),
      key,
      size: bytes.length,
      videoStatus: null, // no media pipeline here: nothing wrote a status
    });
    expect(await exists(key)).toBe(true);
  });

  it("keeps the old clients working: complete with fileName + uploadId, same bytes give the same id", async () => {
    const bytes = randomBytes(1000);
    const first = await uploadThroughApi("same.mp4", bytes, "fileName");
    const second = await uploadThroughApi("same.mp4", bytes, "fileName");
    expect(first.completed.status).toBe(200);
    expect(second.completed.status).toBe(200);
    // Same file name twice: two keys, no collision; same bytes: one video id (one execution name).
    expect(first.key).not.toBe(second.key);
    expect(await exists(first.key)).toBe(true);
    expect(await exists(second.key)).toBe(true);
    expect(first.completed.json.video_id).toBe(second.completed.json.video_id);
    expect(first.completed.json.video_id).toBe(sha256(bytes).slice(0, 32));
  });

  it("signs further parts, and refuses a key that does not belong to the upload", async () => {
    const created = await call("POST", "/create_multipart_upload", {
      body: { fileName: "later.mp4", fileSize: 12 * MiB },
    });
    const { uploadId, key } = created.json as unknown as { uploadId: string; key: string };
    const signed = await call("POST", "/sign_parts", { body: { key, uploadId, partNumbers: [3, 2] } });
    expect(signed.status).toBe(200);
    const parts = (signed.json as unknown as { parts: { partNumber: number; url: string }[] }).parts;
    expect(parts.map((p) => p.partNumber)).toEqual([3, 2]);
    expect(parts[0]?.url).toContain("partNumber=3");
    const put = await fetch(parts[0]?.url as string, { method: "PUT", body: new Uint8Array(100) });
    expect(put.status).toBe(200);
    const otherKey = `uploads/${"b".repeat(24)}/later.mp4`;
    const mismatch = await call("POST", "/sign_parts", {
      body: { key: otherKey, uploadId, partNumbers: [1] },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json.message).toContain("key");
    const tooMany = await call("POST", "/sign_parts", {
      body: { key, uploadId, partNumbers: Array.from({ length: 501 }, (_, i) => i + 1) },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.message).toContain("partNumbers");
  });
});

describe("videos", () => {
  it("GET /status/{id}: 200 complete (with playback URLs), 202 in progress, 404 unknown", async () => {
    const done = statusDoc(newId());
    const busy = statusDoc(newId(), { status: "processing", step: "transcode", percent: 40 });
    const queued = statusDoc(newId(), { status: "queued" });
    await Promise.all([putStatus(done), putStatus(busy), putStatus(queued)]);
    const ok = await call("GET", `/status/${done.videoId}`);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({
      videoId: done.videoId,
      video_id: done.videoId,
      status: "processing_complete",
    });
    expect((ok.json.urls as { hls: string }).hls).toMatch(
      new RegExp(`^${h.url}/stream/s/\\d+\\.[\\w-]+/processed/${done.videoId}/master\\.m3u8$`),
    );
    expect((await call("GET", `/status/${busy.videoId}`)).status).toBe(202);
    expect((await call("GET", `/status/${queued.videoId}`)).status).toBe(202);
    const missing = await call("GET", `/status/${newId()}`);
    expect(missing.status).toBe(404);
    expect(missing.json.error).toBe("VIDEO_NOT_FOUND");
  });

  it("GET /status/{fileName} finds the video through its name mapping, `+` and %20 decoded", async () => {
    const doc = statusDoc(newId(), { fileName: "my holiday.mp4" });
    await putStatus(doc);
    await putObject(
      nameMappingKey("my holiday.mp4"),
      JSON.stringify({ fileName: "my holiday.mp4", videoId: doc.videoId, uploadedAt: doc.createdAt }),
    );
    for (const path of ["/status/my+holiday.mp4", "/status/my%20holiday.mp4"]) {
      const res = await call("GET", path);
      expect(res.status, path).toBe(200);
      expect(res.json.videoId).toBe(doc.videoId);
    }
  });

  it("lists complete videos newest first with limit/cursor, and in-progress ones separately", async () => {
    const older = statusDoc(newId(), { createdAt: "2026-02-01T00:00:00.000Z" });
    const newest = statusDoc(newId(), { createdAt: "2026-02-03T00:00:00.000Z" });
    const middle = statusDoc(newId(), { createdAt: "2026-02-02T00:00:00.000Z" });
    const failed = statusDoc(newId(), {
      status: "processing_failed",
      createdAt: "2026-02-04T00:00:00.000Z",
      error: { step: "transcode", name: "UNSUPPORTED_MEDIA", message: "no video" },
    });
    const running = statusDoc(newId(), { status: "processing", createdAt: "2026-02-05T00:00:00.000Z" });
    await Promise.all([older, newest, middle, failed, running].map(putStatus));
    const all = await call("GET", "/api/videos");
    expect(all.status).toBe(200);
    const ids = (all.json as unknown as { video_id: string; status: string }[]).map((v) => v.video_id);
    expect(ids).not.toContain(failed.videoId);
    expect(ids).not.toContain(running.videoId);
    const ours = ids.filter((id) => [older.videoId, newest.videoId, middle.videoId].includes(id));
    expect(ours).toEqual([newest.videoId, middle.videoId, older.videoId]);
    const item = (all.json as unknown as Record<string, unknown>[]).find(
      (v) => v.video_id === newest.videoId,
    );
    expect(item).toMatchObject({ base_name: newest.fileName.replace(".mp4", ""), presets: ["360p"] });
    expect(String(item?.hls_url)).toContain(`/processed/${newest.videoId}/master.m3u8`);

    // Page through everything two at a time: the union is the full list, in the same order.
    const paged: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const res = await call("GET", `/api/videos?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      expect((res.json as unknown[]).length).toBeLessThanOrEqual(2);
      paged.push(...(res.json as unknown as { video_id: string }[]).map((v) => v.video_id));
      cursor = res.headers.get("x-next-cursor");
      if (!cursor) break;
    }
    expect(paged).toEqual(ids);

    expect((await call("GET", "/api/videos?limit=0")).json.message).toContain("limit");
    expect((await call("GET", "/api/videos?cursor=%21%21")).json.message).toContain("cursor");

    const inProgress = await call("GET", "/api/transcoding_status");
    expect(inProgress.status).toBe(200);
    const progressIds = (inProgress.json as unknown as { video_id: string }[]).map((v) => v.video_id);
    expect(progressIds).toContain(running.videoId);
    expect(progressIds).not.toContain(newest.videoId);
    expect(progressIds).not.toContain(failed.videoId);
  });

  it("DELETE /api/video/{id} removes every object of the video, its name mapping and its upload", async () => {
    const doc = statusDoc(newId(), {
      fileName: "to delete.mp4",
      source: { bucket: h.bucket, key: `uploads/${"c".repeat(24)}/to delete.mp4`, size: 3 },
    });
    const prefix = `processed/${doc.videoId}/`;
    const keys = Array.from({ length: 1105 }, (_, i) => `${prefix}seg/${String(i).padStart(5, "0")}.m4s`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => putObject(key, "x")));
    }
    await putStatus(doc);
    await putObject(
      nameMappingKey("to delete.mp4"),
      JSON.stringify({ fileName: "to delete.mp4", videoId: doc.videoId, uploadedAt: doc.createdAt }),
    );
    await putObject(doc.source.key, "abc");
    const neighbour = statusDoc(newId());
    await putStatus(neighbour);

    const res = await call("DELETE", `/api/video/${doc.videoId}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "success", videoId: doc.videoId, deletedObjects: 1105 + 1 + 2 });
    const left = await h.s3.send(new ListObjectsCommand({ Bucket: h.bucket, Prefix: prefix }));
    expect(left.Contents ?? []).toHaveLength(0);
    expect(await exists(nameMappingKey("to delete.mp4"))).toBe(false);
    expect(await exists(doc.source.key)).toBe(false);
    expect(await exists(statusKey(neighbour.videoId))).toBe(true);
    expect((await call("GET", `/status/${doc.videoId}`)).status).toBe(404);
    expect((await call("DELETE", `/api/video/${doc.videoId}`)).status).toBe(404);
  });

  it("refuses to delete a video that is still processing (409)", async () => {
    const doc = statusDoc(newId(), { status: "processing" });
    await putStatus(doc);
    const res = await call("DELETE", `/api/video/${doc.videoId}`);
    expect(res.status).toBe(409);
    expect(res.json.error).toBe("CONFLICT");
    expect(await exists(statusKey(doc.videoId))).toBe(true);
  });
});

describe("stream", () => {
  const videoId = randomBytes(16).toString("hex");
  const master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nmedia_0.m3u8\n";

  beforeAll(async () => {
    await putObject(`processed/${videoId}/master.m3u8`, master, "application/vnd.apple.mpegurl");
    await putObject(`processed/${videoId}/seg-1.m4s`, "SEGMENT", "video/mp4");
    await putStatus(statusDoc(videoId));
  });

  it("redirects segments to a short-lived presigned URL (new and old key forms)", async () => {
    for (const path of [`/stream/processed/${videoId}/seg-1.m4s`, `/stream/${videoId}/seg-1.m4s`]) {
      const res = await call("GET", path);
      expect(res.status, path).toBe(302);
      const location = res.headers.get("location") as string;
      expect(location.startsWith(`${h.s3Endpoint}/${h.bucket}/processed/${videoId}/seg-1.m4s?`)).toBe(true);
      expect(location).toContain("X-Amz-Expires=300");
      expect(await (await fetch(location)).text()).toBe("SEGMENT");
    }
  });

  it("serves manifests itself, and lets players in with the capability URL only", async () => {
    const direct = await call("GET", `/stream/processed/${videoId}/master.m3u8`);
    expect(direct.status).toBe(200);
    expect(direct.text).toBe(master);
    const status = await call("GET", `/status/${videoId}`);
    const hlsUrl = (status.json.urls as { hls: string }).hls;
    const player = await fetch(hlsUrl);
    expect(player.status).toBe(200);
    expect(player.headers.get("content-type")).toContain("mpegurl");
    expect(await player.text()).toBe(master);
    // A relative segment URL resolves under the same capability and redirects.
    const segment = await fetch(new URL("seg-1.m4s", hlsUrl), { redirect: "manual" });
    expect(segment.status).toBe(302);
    // Tampered, or used for another video: refused.
    const tampered = hlsUrl.replace(
      /\.([\w-]{43})\//,
      (_m, sig: string) => `.${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}/`,
    );
    expect((await fetch(tampered)).status).toBe(401);
    const otherVideo = hlsUrl.replace(videoId, newId());
    expect((await fetch(otherVideo)).status).toBe(401);
    expect((await fetch(`${h.url}/stream/processed/${videoId}/master.m3u8`)).status).toBe(401);
  });

  it("rejects traversal, absolute keys and anything outside processed outputs", async () => {
    await putObject("uploads/secret/file.mp4", "secret");
    const bad = [
      `/stream/processed/${videoId}/../../uploads/secret/file.mp4`,
      `/stream/processed/${videoId}/%2e%2e/%2e%2e/uploads/secret/file.mp4`,
      "/stream/%2Fetc%2Fpasswd",
      "/stream//processed/x",
      `/stream/processed/${videoId}/a%5C..%5Cb`,
      "/stream/uploads/secret/file.mp4",
      "/stream/processed/names/x.json",
      `/stream/processed/${videoId}/./seg-1.m4s`,
    ];
    for (const path of bad) {
      const res = await rawGet(path);
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body).error).toBe("INVALID_REQUEST");
    }
  });
});

describe("render jobs", () => {
  const projectBytes = Buffer.from("not really a tarball, the render handler checks that");
  const projectSha = createHash("sha256").update(projectBytes).digest("hex");
  const smArn = "arn:aws:states:us-east-1:000000000000:stateMachine:hyperframes-render";

  it("uploads a project archive through a presigned PUT, then reports it as present", async () => {
    const res = await call("POST", "/api/projects", {
      body: { sha256: projectSha, size: projectBytes.length },
    });
    expect(res.status).toBe(200);
    expect(res.json.exists).toBe(false);
    const put = await fetch(res.json.url as string, {
      method: "PUT",
      body: new Uint8Array(projectBytes),
      headers: { "content-type": "application/gzip" },
    });
    expect(put.status).toBe(200);
    const again = await call("POST", "/api/projects", {
      body: { sha256: projectSha, size: projectBytes.length },
    });
    expect(again.json).toMatchObject({ exists: true, key: `projects/${projectSha}.tar.gz` });
    expect(
      (await call("POST", "/api/projects", { body: { sha256: "abc", size: 1 } })).json.message,
    ).toContain("sha256");
  });

  it("starts a render with a validated config (400 naming the field) and the job id as execution name", async () => {
    const invalid = await call("POST", "/api/renders", {
      body: { projectSha256: projectSha, config: { fps: 25 } },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json).toMatchObject({ error: "INVALID_CONFIG" });
    expect(invalid.json.message).toContain("config.fps");
    const missing = await call("POST", "/api/renders", {
      body: { projectSha256: "f".repeat(64), config: {} },
    });
    expect(missing.status).toBe(400);
    expect(missing.json.message).toContain("projectSha256");
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);

    sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
      executionArn: `${smArn.replace(":stateMachine:", ":execution:")}:${input.name}`,
      startDate: new Date(),
    }));
    const res = await call("POST", "/api/renders", {
      body: { projectSha256: projectSha, name: "intro", config: { fps: 30, chunkSize: 60 } },
    });
    expect(res.status).toBe(202);
    const jobId = res.json.jobId as string;
    expect(jobId).toMatch(/^r\d{8}t\d{6}-[0-9a-f]{8}$/);
    const startCall = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(startCall?.name).toBe(jobId);
    expect(startCall?.stateMachineArn).toBe(smArn);
    const input = RenderExecutionInputSchema.parse(JSON.parse(startCall?.input ?? "{}"));
    expect(input).toMatchObject({
      JobId: jobId,
      ProjectS3Uri: `s3://${h.bucket}/projects/${projectSha}.tar.gz`,
      PlanOutputS3Prefix: `s3://${h.bucket}/renders/${jobId}/`,
      OutputS3Uri: `s3://${h.bucket}/outputs/${jobId}/intro.mp4`,
    });
    expect(input.Config).toMatchObject({ fps: 30, chunkSize: 60, format: "mp4" });
  });

  it("lists, describes (chunk progress, cost, download URL) and cancels render jobs", async () => {
    const jobId = "r20260101t000000-0123abcd";
    const arn = `arn:aws:states:us-east-1:000000000000:execution:hyperframes-render:${jobId}`;
    sfnMock.on(ListExecutionsCommand).resolves({
      executions: [
        {
          executionArn: arn,
          stateMachineArn: smArn,
          name: jobId,
          status: "RUNNING",
          startDate: new Date("2026-01-01T00:00:00Z"),
        },
      ],
      nextToken: "next-page",
    });
    const list = await call("GET", "/api/renders?limit=1");
    expect(list.status).toBe(200);
    expect(list.json).toEqual([
      { jobId, executionArn: arn, status: "RUNNING", startedAt: "2026-01-01T00:00:00.000Z", stoppedAt: null },
    ]);
    expect(list.headers.get("x-next-cursor")).toBe("next-page");

    const input = {
      JobId: jobId,
      ProjectS3Uri: `s3://${h.bucket}/projects/${projectSha}.tar.gz`,
      PlanOutputS3Prefix: `s3://${h.bucket}/renders/${jobId}/`,
      OutputS3Uri: `s3://${h.bucket}/outputs/${jobId}/render.mp4`,
      Config: { format: "mp4", quality: "standard", chunkSize: 60, maxParallelChunks: 4 },
    };
    sfnMock.on(DescribeExecutionCommand, { executionArn: arn }).resolves({
      executionArn: arn,
      stateMachineArn: smArn,
      name: jobId,
      status: "SUCCEEDED",
      startDate: new Date("2026-01-01T00:00:00Z"),
      stopDate: new Date("2026-01-01T00:01:00Z"),
      input: JSON.stringify(input),
    });
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, type: "ExecutionStarted", timestamp: t(0) },
        {
          id: 2,
          previousEventId: 1,
          type: "TaskStateEntered",
          timestamp: t(0),
          stateEnteredEventDetails: { name: "Plan" },
        },
        {
          id: 3,
          previousEventId: 2,
          type: "TaskScheduled",
          timestamp: t(0),
          taskScheduledEventDetails: {
            resource: "invoke",
            resourceType: "lambda",
            region: "us-east-1",
            parameters: "{}",
          },
        },
        {
          id: 4,
          previousEventId: 3,
          type: "TaskSucceeded",
          timestamp: t(3),
          taskSucceededEventDetails: {
            resource: "invoke",
            resourceType: "lambda",
            output: JSON.stringify({ Payload: { Action: "plan", ChunkCount: 2, TotalFrames: 120 } }),
          },
        },
        {
          id: 5,
          previousEventId: 4,
          type: "MapStateEntered",
          timestamp: t(3),
          stateEnteredEventDetails: { name: "RenderChunks" },
        },
        {
          id: 6,
          previousEventId: 5,
          type: "MapStateStarted",
          timestamp: t(3),
          mapStateStartedEventDetails: { length: 2 },
        },
        {
          id: 7,
          previousEventId: 6,
          type: "MapIterationStarted",
          timestamp: t(3),
          mapIterationStartedEventDetails: { name: "RenderChunks", index: 0 },
        },
        {
          id: 8,
          previousEventId: 7,
          type: "TaskStateEntered",
          timestamp: t(3),
          stateEnteredEventDetails: { name: "RenderChunk" },
        },
        {
          id: 9,
          previousEventId: 8,
          type: "TaskScheduled",
          timestamp: t(3),
          taskScheduledEventDetails: {
            resource: "invoke",
            resourceType: "lambda",
            region: "us-east-1",
            parameters: "{}",
          },
        },
        {
          id: 10,
          previousEventId: 9,
          type: "TaskSucceeded",
          timestamp: t(13),
          taskSucceededEventDetails: {
            resource: "invoke",
            resourceType: "lambda",
            output: JSON.stringify({ Payload: { Action: "renderChunk", ChunkIndex: 0, FramesEncoded: 60 } }),
          },
        },
        {
          id: 11,
          previousEventId: 10,
          type: "MapIterationSucceeded",
          timestamp: t(13),
          mapIterationSucceededEventDetails: { name: "RenderChunks", index: 0 },
        },
        {
          id: 12,
          previousEventId: 6,
          type: "MapIterationStarted",
          timestamp: t(3),
          mapIterationStartedEventDetails: { name: "RenderChunks", index: 1 },
        },
        {
          id: 13,
          previousEventId: 12,
          type: "TaskStateEntered",
          timestamp: t(3),
          stateEnteredEventDetails: { name: "RenderChunk" },
        },
        {
          id: 14,
          previousEventId: 13,
          type: "TaskScheduled",
          timestamp: t(3),
          taskScheduledEventDetails: {
            resource: "invoke",
            resourceType: "lambda",
            region: "us-east-1",
            parameters: "{}",
          },
        },
        {
          id: 15,
          previousEventId: 14,
          type: "TaskFailed",
          timestamp: t(5),
          taskFailedEventDetails: {
            resource: "invoke",
            resourceType: "lambda",
            error: "BROWSER_CRASHED",
            cause: "chromium exited",
          },
        },
      ],
    });
    const got = await call("GET", `/api/renders/${jobId}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({
      jobId,
      status: "SUCCEEDED",
      progress: {
        totalChunks: 2,
        totalFrames: 120,
        framesRendered: 60,
        chunks: { succeeded: 1, retrying: 1, queued: 0 },
        chunkStates: [
          { index: 0, state: "succeeded", attempts: 1 },
          { index: 1, state: "retrying", attempts: 1 },
        ],
      },
    });
    const progress = got.json.progress as { errors: { error: string; chunk: number }[] };
    expect(progress.errors[0]).toMatchObject({ error: "BROWSER_CRASHED", chunk: 1 });
    const cost = got.json.cost as { totalUsd: number; lines: { item: string; quantity: number }[] };
    expect(cost.totalUsd).toBeGreaterThan(0);
    expect(cost.lines.find((l) => l.item === "lambdaRequests")?.quantity).toBe(3);
    const download = got.json.download as { url: string };
    expect(download.url).toContain(`/outputs/${jobId}/render.mp4`);

    // Cancel: only a running job.
    const conflict = await call("DELETE", `/api/renders/${jobId}`);
    expect(conflict.status).toBe(409);
    sfnMock.on(DescribeExecutionCommand, { executionArn: arn }).resolves({
      executionArn: arn,
      stateMachineArn: smArn,
      status: "RUNNING",
      startDate: new Date(),
      input: JSON.stringify(input),
    });
    sfnMock.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    const cancelled = await call("DELETE", `/api/renders/${jobId}`);
    expect(cancelled.status).toBe(202);
    expect(sfnMock.commandCalls(StopExecutionCommand)[0]?.args[0].input).toMatchObject({
      executionArn: arn,
      error: "JOB_CANCELLED",
    });
  });

  it("answers 404 for unknown render jobs", async () => {
    sfnMock
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: "no such execution", $metadata: {} }));
    const unknown = await call("GET", "/api/renders/r20260101t000000-ffffffff");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toBe("JOB_NOT_FOUND");
    expect((await call("GET", "/api/renders/not-a-job")).status).toBe(404);
    expect((await call("DELETE", "/api/renders/r20260101t000000-ffffffff")).status).toBe(404);
  });
});
