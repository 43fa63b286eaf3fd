import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import puppeteer, { type Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processedKey } from "../../../handlers/contracts/bucket-layout.js";
import { makeMediaHandler } from "../../../handlers/media/index.js";
import { type LocalTranscribe, startLocalTranscribe } from "../../../local/transcribe/index.js";
import { BUCKET, mediaDeps, runMediaMachine, type S3Harness, startS3, uploadFixture } from "./harness.js";
import { PLAYER_PAGE } from "./player-page.js";

const require = createRequire(import.meta.url);
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--autoplay-policy=no-user-gesture-required",
];

let s3h: S3Harness;
let transcribe: LocalTranscribe;
let browser: Browser;
let profile: string;
let videoId: string;

interface PlayResult {
  levels: number[];
  videoHeight: number;
  frames: number;
  subtitleTracks: string[];
  errors: string[];
}

beforeAll(async () => {
  s3h = await startS3();
  transcribe = await startLocalTranscribe({ s3Endpoint: s3h.endpoint });
  const { deps, started, restore } = mediaDeps({ s3: s3h, transcribeEndpoint: transcribe.endpoint });
  try {
    const key = "uploads/dddddddddddddddddddddddd/speech.mp4";
    const size = await uploadFixture(s3h.s3, "speech-640x360.mp4", key);
    videoId = (
      (await makeMediaHandler(deps)({ Action: "ingest", bucket: BUCKET, key, size })) as { videoId: string }
    ).videoId;
    const input = started[0]?.input;
    if (!input) throw new Error("ingest started nothing");
    const run = await runMediaMachine(deps, input);
    if (run.error) throw new Error(`pipeline failed: ${run.error.name}: ${run.error.message}`);
  } finally {
    restore();
  }
  // The page and the players, served by the same S3 server as the media (one origin, no CORS).
  const put = async (name: string, body: string | Buffer, type: string) =>
    s3h.s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `test-player/${name}`, Body: body, ContentType: type }),
    );
  await put("index.html", PLAYER_PAGE, "text/html");
  await put(
    "hls.min.js",
    await readFile(join(dirname(require.resolve("hls.js/package.json")), "dist/hls.min.js")),
    "text/javascript",
  );
  await put(
    "dash.all.min.js",
    await readFile(new URL("../../../node_modules/dashjs/dist/modern/umd/dash.all.min.js", import.meta.url)),
    "text/javascript",
  );
  profile = await mkdtemp(join(tmpdir(), "media-chromium-"));
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`],
  });
});

afterAll(async () => {
  await browser?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  await transcribe?.stop();
  await s3h?.stop();
});

async function play(kind: "playHls" | "playDash", manifest: string, height: number): Promise<PlayResult> {
  const page = await browser.newPage();
  try {
    await page.goto(`${s3h.endpoint}/${BUCKET}/test-player/index.html`);
    await page.waitForFunction("window.ready === true");
    const url = `${s3h.endpoint}/${BUCKET}/${processedKey(videoId, manifest)}`;
    return (await page.evaluate(`window.${kind}(${JSON.stringify(url)}, ${height})`)) as PlayResult;
  } finally {
    await page.close();
  }
}

describe("outputs play in real players in headless Chromium", () => {
  it("hls.js decodes every rendition at its height and lists the subtitles track", async () => {
    for (const height of [360, 240, 180]) {
      const result = await play("playHls", "master.m3u8", height);
      expect(result.levels).toEqual([360, 240, 180]);
      expect(result.videoHeight).toBe(height);
      expect(result.frames).toBeGreaterThan(15);
      expect(result.subtitleTracks).toEqual(["en-US"]);
      expect(result.errors).toEqual([]);
    }
  });

  it("dash.js decodes every representation at its height and lists the subtitles track", async () => {
    for (const height of [360, 240, 180]) {
      const result = await play("playDash", "manifest.mpd", height);
      expect(result.levels).toEqual([360, 240, 180]);
      expect(result.videoHeight).toBe(height);
      expect(result.frames).toBeGreaterThan(15);
      expect(result.subtitleTracks).toEqual(["en"]);
    }
  });
});
