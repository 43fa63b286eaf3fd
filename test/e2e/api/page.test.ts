import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ffmpegPath } from "../../../handlers/shared/binaries.js";
import { type LocalCloudHandle, startLocalCloud } from "../../../local/index.js";

/**
 * The page as a person uses it, in headless Debian Chromium against the whole local cloud: upload a
 * video through the page (multipart, parallel parts), wait for the media pipeline to finish, play it
 * with hls.js, switch rendition, see sprite thumbnails on the seek bar, delete it.
 */

const CHROMIUM = "/usr/bin/chromium";
const run = promisify(execFile);

let cloud: LocalCloudHandle;
let browser: Browser;
let page: Page;
let work: string;
let fixture: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "hf-api-e2e-"));
  // 854x480 so the ladder has two rungs (480p, 360p) to switch between; a tone so there is audio.
  fixture = join(work, "page upload.mp4");
  await run(ffmpegPath(), [
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    "testsrc=size=854x480:rate=30",
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:sample_rate=48000",
    "-t",
    "6",
    "-c:v",
    "libx264",
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "aac",
    "-shortest",
    fixture,
  ]);
  cloud = await startLocalCloud({
    dataDir: join(work, "cloud"),
    log: (line) => process.stderr.write(`[local] ${line}\n`),
  });
  expect(cloud.endpoints.apiEndpoint, "the local cloud serves the api").toBeTruthy();
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: join(work, "chromium-profile"),
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  page.on("dialog", (dialog) => void dialog.accept());
  page.on("pageerror", (err) => process.stderr.write(`[page error] ${String(err)}\n`));
});

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the upload and playback page", () => {
  it("asks for the token, then uploads, processes, plays, switches rendition and deletes a video", async () => {
    const api = cloud.endpoints.apiEndpoint as string;
    const token = cloud.endpoints.apiToken;

    // Without a token the page asks for one and reads nothing.
    await page.goto(`${api}/`, { waitUntil: "load" });
    await page.waitForSelector("#token-form:not([hidden])");

    // The token in the URL fragment is taken into sessionStorage and removed from the address bar.
    await page.goto(`${api}/#token=${encodeURIComponent(token)}`, { waitUntil: "load" });
    await page.waitForFunction(
      () => !location.hash && sessionStorage.getItem("hyperframes.apiToken") !== null,
    );

    const input = await page.$("input#file");
    if (!input) throw new Error("no file input");
    await input.uploadFile(fixture);
    await page.click("#upload-button");

    const expectedId = createHash("sha256")
      .update(await readFile(fixture))
      .digest("hex")
      .slice(0, 32);
    await page.waitForFunction(
      () => {
        const state = document.querySelector<HTMLElement>("#upload-text")?.dataset.state;
        return state === "complete" || state === "failed";
      },
      { timeout: 300_000, polling: 500 },
    );
    const uploadText = await page.$eval("#upload-text", (el) => ({
      text: el.textContent,
      id: (el as HTMLElement).dataset.videoId,
    }));
    expect(uploadText.text).toContain("Ready");
    expect(uploadText.id).toBe(expectedId);

    // Listed as complete; play it.
    const row = `tr[data-video-id="${expectedId}"][data-status="processing_complete"]`;
    await page.waitForSelector(`${row} button.play`, { timeout: 30_000 });
    await page.click(`${row} button.play`);
    await page.waitForFunction(
      () => {
        const video = document.querySelector("video");
        return Boolean(
          video && video.videoHeight > 0 && video.getVideoPlaybackQuality().totalVideoFrames > 15,
        );
      },
      { timeout: 60_000, polling: 250 },
    );

    // Two renditions in the menu (Auto + 480p + 360p); force 360p and see it decoded.
    const options = await page.$$eval("#rendition option", (els) => els.map((el) => el.textContent ?? ""));
    expect(options[0]).toBe("Auto");
    const index360 = options.findIndex((text) => text.startsWith("360p"));
    expect(index360).toBeGreaterThan(0);
    expect(options.some((text) => text.startsWith("480p"))).toBe(true);
    await page.select("#rendition", String(index360 - 1));
    await page.evaluate(() => {
      const video = document.querySelector("video");
      if (video) video.currentTime = 0.5;
    });
    await page.waitForFunction(
      () => {
        const video = document.querySelector("video");
        return (
          video?.videoHeight === 360 &&
          document.querySelector<HTMLElement>("#player-info")?.dataset.height === "360"
        );
      },
      { timeout: 60_000, polling: 250 },
    );

    // Sprite thumbnails on the seek bar (cues loaded from the thumbnails track, preview on hover).
    await page.waitForSelector("#seek-wrap[data-cues]", { timeout: 30_000 });
    expect(Number(await page.$eval("#seek-wrap", (el) => (el as HTMLElement).dataset.cues))).toBeGreaterThan(
      0,
    );
    const seek = await page.$("#seek");
    await seek?.scrollIntoView();
    const box = await seek?.boundingBox();
    if (!box) throw new Error("no seek bar");
    await page.waitForFunction(() => {
      const video = document.querySelector("video");
      return Boolean(video && video.duration > 0);
    });
    let preview: { hidden: boolean; image: string } = { hidden: true, image: "" };
    for (let attempt = 0; attempt < 20 && preview.hidden; attempt++) {
      await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
      preview = await page.$eval("#seek-preview", (el) => ({
        hidden: (el as HTMLElement).hidden,
        image: (el as HTMLElement).style.backgroundImage,
      }));
      if (preview.hidden) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(preview.hidden).toBe(false);
    expect(preview.image).toContain("/stream/s/");

    // Delete through the page (the confirm dialog is accepted): gone from the list and from the API.
    await page.click(`tr[data-video-id="${expectedId}"] button.delete`);
    await page.waitForFunction(
      (id: string) => !document.querySelector(`tr[data-video-id="${id}"]`),
      { timeout: 30_000 },
      expectedId,
    );
    const status = await fetch(`${api}/status/${expectedId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(status.status).toBe(404);
  });
});
