import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { DEFAULT_LADDER } from "../../../handlers/contracts/media-settings.js";
import { readMediaConfig } from "../../../handlers/media/config.js";
import { parseProbe, planMedia, planRenditions, type SourceInfo } from "../../../handlers/media/plan.js";

const probe = async (name: string) =>
  readFile(new URL(`./fixtures/probe-${name}.json`, import.meta.url), "utf8");
const config = readMediaConfig({});

const source = (overrides: Partial<SourceInfo>): SourceInfo => ({
  durationSeconds: 60,
  width: 1920,
  height: 1080,
  codedWidth: 1920,
  codedHeight: 1080,
  rotation: 0,
  fps: 30,
  variableFrameRate: false,
  hasAudio: true,
  videoCodec: "h264",
  formatName: "mov,mp4,m4a,3gp,3g2,mj2",
  ...overrides,
});

describe("parseProbe (captured ffprobe 4.0.2 JSON of the fixtures)", () => {
  it("reads size, duration, frame rate and audio", async () => {
    expect(parseProbe(await probe("speech-640x360"))).toMatchObject({
      width: 640,
      height: 360,
      fps: 30,
      hasAudio: true,
      rotation: 0,
      variableFrameRate: false,
    });
  });

  it("swaps the display size of a rotated source", async () => {
    const info = parseProbe(await probe("rotated-portrait"));
    expect(info).toMatchObject({ codedWidth: 640, codedHeight: 360, width: 360, height: 640 });
    expect([90, 270]).toContain(info.rotation);
  });

  it("flags variable frame rate and keeps the real rate, and sees a silent source", async () => {
    expect(parseProbe(await probe("odd-vfr-silent"))).toMatchObject({
      codedWidth: 481,
      // Display width: the 481x271 scale left a sample aspect ratio slightly above 1.
      width: 482,
      height: 271,
      fps: 30,
      variableFrameRate: true,
      hasAudio: false,
    });
  });

  it("refuses audio-only files and non-JSON with UNSUPPORTED_MEDIA", async () => {
    const audioOnly = await probe("audio-only");
    expect(() => parseProbe(audioOnly, "song.mp4")).toThrow(
      expect.objectContaining({
        name: "UNSUPPORTED_MEDIA",
        message: expect.stringMatching(/song\.mp4 has audio but no video/),
      }),
    );
    expect(() => parseProbe("garbage")).toThrow(expect.objectContaining({ name: "UNSUPPORTED_MEDIA" }));
  });
});

describe("planRenditions", () => {
  it("keeps the rungs up to the source, highest first", () => {
    expect(
      planRenditions({ width: 1920, height: 1080 }, DEFAULT_LADDER).map(
        (r) => `${r.name} ${r.width}x${r.height}`,
      ),
    ).toEqual(["1080p 1920x1080", "720p 1280x720", "480p 854x480", "360p 640x360"]);
    expect(planRenditions({ width: 1280, height: 720 }, DEFAULT_LADDER).map((r) => r.name)).toEqual([
      "720p",
      "480p",
      "360p",
    ]);
  });

  it("uses the short side for portrait sources", () => {
    expect(
      planRenditions({ width: 1080, height: 1920 }, DEFAULT_LADDER).map((r) => `${r.width}x${r.height}`),
    ).toEqual(["1080x1920", "720x1280", "480x854", "360x640"]);
  });

  it("never upscales: a source below the smallest rung gets one rendition at its own (even) size", () => {
    expect(planRenditions({ width: 320, height: 180 }, DEFAULT_LADDER)).toEqual([
      { name: "180p", width: 320, height: 180, videoBitrate: 200_000, maxRate: 220_000, bufferSize: 400_000 },
    ]);
    const odd = planRenditions({ width: 481, height: 271 }, DEFAULT_LADDER);
    expect(odd.map((r) => `${r.width}x${r.height}`)).toEqual(["480x270"]);
    for (const r of [...odd, ...planRenditions({ width: 1279, height: 721 }, DEFAULT_LADDER)]) {
      expect(r.width % 2).toBe(0);
      expect(r.height % 2).toBe(0);
    }
  });
});

describe("planMedia", () => {
  it("plans GOP from the real frame rate, thumbnails by duration, audio only when present", () => {
    const plan = planMedia(source({ fps: 25, durationSeconds: 210 }), config);
    expect(plan.gopFrames).toBe(50);
    expect(plan.segmentSeconds).toBe(4);
    expect(plan.thumbnails).toMatchObject({ interval: 2, count: 105, sheets: 2, width: 180 });
    expect(plan.audioBitrate).toBe(128_000);
    expect(planMedia(source({ hasAudio: false }), config).audioBitrate).toBeNull();
  });

  it("refuses huge dimensions and sources that would not finish in time, saying what fits", () => {
    expect(() =>
      planMedia(source({ codedWidth: 10_000, codedHeight: 10_000, width: 10_000, height: 10_000 }), config),
    ).toThrow(
      expect.objectContaining({
        name: "SOURCE_DIMENSIONS_TOO_LARGE",
        message: expect.stringMatching(/10000x10000/),
      }),
    );
    expect(() => planMedia(source({ durationSeconds: 4 * 3600 }), config, "film.mov")).toThrow(
      expect.objectContaining({
        name: "SOURCE_TOO_LONG",
        message: expect.stringMatching(
          /^film\.mov lasts 4 h 0 min .*MEDIA_TIMEOUT_SECONDS=900\)\. Sources up to about \d+ min \d+ s fit/,
        ),
      }),
    );
  });
});
