import ffmpeg from "fluent-ffmpeg";
import { describe, expect, it } from "vitest";
import { readMediaConfig } from "../../../handlers/media/config.js";
import {
  ladderFilterGraph,
  posterArgs,
  spriteArgs,
  transcodeArgs,
} from "../../../handlers/media/ffmpeg/args.js";
import { parseStatsTime, toFluentCommand } from "../../../handlers/media/ffmpeg/run.js";
import { planMedia, type SourceInfo } from "../../../handlers/media/plan.js";

const base: SourceInfo = {
  durationSeconds: 30,
  width: 1920,
  height: 1080,
  codedWidth: 1920,
  codedHeight: 1080,
  rotation: 0,
  fps: 29.97,
  variableFrameRate: false,
  hasAudio: true,
  videoCodec: "h264",
  formatName: "mp4",
};
const plan = planMedia(base, readMediaConfig({}));
const valueAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe("transcodeArgs: one pass, every rung, CMAF for HLS + DASH", () => {
  const args = transcodeArgs(plan, "/in/source", "/out", { transcriptionAudioPath: "/out/audio.flac" });

  it("decodes once and scales the rungs in a cascade, one encoder each", () => {
    expect(args.filter((a) => a === "-i")).toHaveLength(1);
    expect(ladderFilterGraph(plan)).toBe(
      "[0:v:0]fps=29.97,format=yuv420p,scale=1920:1080,split=2[v0][c0];[c0]scale=1280:720,split=2[v1][c1];[c1]scale=854:480,split=2[v2][c2];[c2]scale=640:360[v3]",
    );
    expect(["-b:v:0", "-b:v:1", "-b:v:2", "-b:v:3"].map((flag) => valueAfter(args, flag))).toEqual([
      "5000000",
      "2800000",
      "1400000",
      "800000",
    ]);
  });

  it("aligns keyframes on every rung: GOP of 2 s from the real frame rate, no scene cuts, forced times", () => {
    expect(valueAfter(args, "-g")).toBe("60");
    expect(valueAfter(args, "-keyint_min")).toBe("60");
    expect(valueAfter(args, "-sc_threshold")).toBe("0");
    expect(valueAfter(args, "-force_key_frames")).toMatch(/^expr:gte\(t,n_forced\*2\.002\d*\)$/);
  });

  it("writes fMP4 segments shared by the DASH manifest and the HLS playlists, and the speech audio", () => {
    expect(valueAfter(args, "-f")).toBe("dash");
    expect(valueAfter(args, "-dash_segment_type")).toBe("mp4");
    expect(valueAfter(args, "-hls_playlist")).toBe("1");
    expect(valueAfter(args, "-seg_duration")).toBe("4");
    expect(valueAfter(args, "-adaptation_sets")).toBe("id=0,streams=v id=1,streams=a");
    expect(args.indexOf("/out/manifest.mpd")).toBeLessThan(args.indexOf("/out/audio.flac"));
    expect(args.slice(-10)).toEqual([
      "-map",
      "0:a:0",
      "-vn",
      "-ac",
      "1",
      "-ar",
      "16000",
      "-c:a",
      "flac",
      "/out/audio.flac",
    ]);
  });

  it("leaves audio out of a silent source", () => {
    const silent = transcodeArgs(
      planMedia({ ...base, hasAudio: false }, readMediaConfig({})),
      "/in",
      "/out",
      {
        transcriptionAudioPath: "/out/a.flac",
      },
    );
    expect(silent).not.toContain("0:a:0");
    expect(silent).not.toContain("-c:a");
    expect(valueAfter(silent, "-adaptation_sets")).toBe("id=0,streams=v");
    expect(silent.at(-1)).toBe("/out/manifest.mpd");
  });
});

describe("thumbnail and poster args", () => {
  it("tiles one thumbnail per interval and counts them on a second branch", () => {
    const args = spriteArgs("/in", "/sheets", "/count", plan.thumbnails);
    expect(valueAfter(args, "-filter_complex")).toBe(
      "[0:v:0]fps=1/2,scale=180:-2,split=2[a][b];[a]tile=10x10[t]",
    );
    expect(args).toContain("/sheets/sprite-%03d.jpg");
    expect(args.at(-1)).toBe("/count/thumb-%05d.jpg");
    expect(posterArgs("/in", 1, 1280, "/p.jpg")).toEqual(
      expect.arrayContaining(["-ss", "1.000", "-frames:v", "1", "-vf", "scale=1280:-2", "/p.jpg"]),
    );
  });
});

describe("parseStatsTime", () => {
  it("reads ffmpeg's stats lines only", () => {
    expect(parseStatsTime("frame=  240 fps=120 q=28.0 size=N/A time=00:01:02.50 bitrate=N/A speed=4x")).toBe(
      62.5,
    );
    expect(parseStatsTime("size=N/A time=-00:00:00.03 bitrate=N/A")).toBeUndefined();
    expect(parseStatsTime("[dash @ 0x1] Opening 'out/seg-0-00001.mp4' for writing")).toBeUndefined();
  });
});

describe("toFluentCommand", () => {
  it("hands fluent-ffmpeg the argument list unchanged (plus -y and -nostdin), inputs as inputs", () => {
    const args = [
      "-hide_banner",
      "-f",
      "lavfi",
      "-i",
      "testsrc2=size=64x64",
      "-i",
      "/in/b",
      "-filter_complex",
      "a b",
      "/out/x.mpd",
      "-map",
      "0:a",
      "/out/y.flac",
    ];
    const command = toFluentCommand(ffmpeg(), args) as unknown as { _getArguments(): string[] };
    expect(command._getArguments()).toEqual([
      "-hide_banner",
      "-f",
      "lavfi",
      "-i",
      "testsrc2=size=64x64",
      "-i",
      "/in/b",
      "-y",
      "-nostdin",
      "-filter_complex",
      "a b",
      "/out/x.mpd",
      "-map",
      "0:a",
      "/out/y.flac",
    ]);
  });
});
