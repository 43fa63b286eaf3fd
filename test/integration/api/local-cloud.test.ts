import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_CREDENTIALS } from "../../../local/discovery.js";
import { type LocalCloudHandle, startLocalCloud } from "../../../local/index.js";

/**
 * The api as the local cloud serves it (the handler in a Lambda-like worker behind local/function-url,
 * the real upload trigger and media pipeline): the same bytes uploaded twice under one name are
 * processed once, the video is listed, streamed and deleted.
 */

const FIXTURE = "fixtures/videos/tiny-320x180.mp4";

let cloud: LocalCloudHandle;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hf-api-local-"));
  cloud = await startLocalCloud({ dataDir: join(dir, "cloud") });
});
afterAll(async () => {
  await cloud?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${cloud.endpoints.apiEndpoint}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${cloud.endpoints.apiToken}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: (text ? JSON.parse(text) : null) as Record<string, unknown>,
  };
}

async function upload(fileName: string, bytes: Buffer): Promise<{ videoId: string; videoStatus: unknown }> {
  const created = await call("POST", "/create_multipart_upload", {
    fileName,
    fileSize: bytes.length,
    contentType: "video/mp4",
  });
  expect(created.status).toBe(200);
  const { uploadId, urls } = created.json as { uploadId: string; urls: string[] };
  const put = await fetch(urls[0] as string, { method: "PUT", body: new Uint8Array(bytes) });
  expect(put.status).toBe(200);
  // The old clients' completion: fileName + uploadId, no key.
  const done = await call("POST", "/complete_multipart_upload", {
    fileName,
    uploadId,
    parts: [{ PartNumber: 1, ETag: put.headers.get("etag") }],
  });
  expect(done.status).toBe(200);
  return { videoId: done.json.video_id as string, videoStatus: done.json.videoStatus };
}

describe("the api on the local cloud", () => {
  it("processes the same bytes once, then lists, streams and deletes the video", async () => {
    expect(cloud.endpoints.apiEndpoint).toBeTruthy();
    const bytes = await readFile(FIXTURE);
    const expected = createHash("sha256").update(bytes).digest("hex").slice(0, 32);
    const first = await upload("same name.mp4", bytes);
    await cloud.settleUploads();
    const second = await upload("same name.mp4", bytes);
    expect(first.videoId).toBe(expected);
    expect(second.videoId).toBe(expected);
    // Ingest has written the status by then: the answer carries it (old clients poll /status next).
    expect(["queued", "processing", "processing_complete"]).toContain(second.videoStatus);
    await cloud.settleUploads();
    expect(cloud.uploadTriggers.filter((t) => t.event.key.endsWith("/same name.mp4"))).toHaveLength(2);

    const sfn = new SFNClient({
      region: cloud.endpoints.region,
      endpoint: cloud.endpoints.sfnEndpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    const executions = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: cloud.endpoints.mediaStateMachineArn }),
    );
    expect((executions.executions ?? []).filter((e) => e.name === expected)).toHaveLength(1);
    sfn.destroy();

    let status = await call("GET", `/status/${expected}`);
    for (let i = 0; i < 300 && (status.status === 202 || status.status === 404); i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      status = await call("GET", `/status/${expected}`);
    }
    expect(status.status).toBe(200);
    expect(status.json.status).toBe("processing_complete");
    // Old clients look a video up by its file name (`+` for the space).
    expect((await call("GET", "/status/same+name.mp4")).json.videoId).toBe(expected);

    const list = await call("GET", "/api/videos");
    const item = (list.json as unknown as { video_id: string; hls_url: string }[]).find(
      (v) => v.video_id === expected,
    );
    expect(item).toBeTruthy();
    const master = await fetch(item?.hls_url as string);
    expect(master.status).toBe(200);
    expect(await master.text()).toContain("#EXTM3U");

    const deleted = await call("DELETE", `/api/video/${expected}`);
    expect(deleted.status).toBe(200);
    expect((await call("GET", `/status/${expected}`)).status).toBe(404);
    expect((await fetch(item?.hls_url as string)).status).toBe(404);
  });
});
