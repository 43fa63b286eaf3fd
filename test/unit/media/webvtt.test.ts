import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  subtitleCues,
  subtitlesVtt,
  TranscribeResultSchema,
  thumbnailCues,
  thumbnailsVtt,
  vttTimestamp,
} from "../../../handlers/media/webvtt.js";

const recorded = TranscribeResultSchema.parse(
  JSON.parse(await readFile(new URL("./fixtures/transcribe-result.json", import.meta.url), "utf8")),
);

describe("subtitles from a Transcribe result", () => {
  it("converts the recorded result to exactly this WebVTT", () => {
    expect(subtitlesVtt(recorded)).toBe(
      [
        "WEBVTT",
        "",
        "1",
        "00:00:00.540 --> 00:00:01.790",
        "Welcome to the stream.",
        "",
        "2",
        "00:00:02.310 --> 00:00:06.830",
        "Today we look at adaptive bitrate ladders,",
        "segment alignment and why keyframes matter",
        "",
        // "for" would need a third line: a new cue starts.
        "3",
        "00:00:06.830 --> 00:00:07.480",
        "for switching.",
        "",
        "4",
        "00:00:09.120 --> 00:00:09.780",
        "Questions?",
        "",
      ].join("\n"),
    );
  });

  it("breaks cues at sentence ends, pauses, the duration limit and two lines", () => {
    const cues = subtitleCues(recorded, { maxCueSeconds: 30, maxLineChars: 80, pauseSeconds: 1 });
    expect(cues.map((cue) => cue.lines.join(" "))).toEqual([
      "Welcome to the stream.",
      "Today we look at adaptive bitrate ladders, segment alignment and why keyframes matter for switching.",
      "Questions?",
    ]);
    expect(subtitlesVtt({ results: { items: [] } })).toBe("WEBVTT\n");
  });

  it("formats timestamps with hours and milliseconds", () => {
    expect(vttTimestamp(0)).toBe("00:00:00.000");
    expect(vttTimestamp(3725.0406)).toBe("01:02:05.041");
  });
});

describe("thumbnails track", () => {
  const input = {
    count: 5,
    interval: 2,
    durationSeconds: 9,
    tileWidth: 160,
    tileHeight: 90,
    columns: 2,
    rows: 2,
  };

  it("points cue i at tile i, row-major, sheet by sheet, the last cue ending at the duration", () => {
    expect(thumbnailCues(input)).toEqual([
      { start: 0, end: 2, sheet: 0, x: 0, y: 0, w: 160, h: 90 },
      { start: 2, end: 4, sheet: 0, x: 160, y: 0, w: 160, h: 90 },
      { start: 4, end: 6, sheet: 0, x: 0, y: 90, w: 160, h: 90 },
      { start: 6, end: 8, sheet: 0, x: 160, y: 90, w: 160, h: 90 },
      { start: 8, end: 9, sheet: 1, x: 0, y: 0, w: 160, h: 90 },
    ]);
  });

  it("writes #xywh cues relative to the track", () => {
    const vtt = thumbnailsVtt({ ...input, sheetUrl: (i) => `sprite-00${i}.jpg` });
    expect(vtt.startsWith("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nsprite-000.jpg#xywh=0,0,160,90\n")).toBe(
      true,
    );
    expect(vtt).toContain("00:00:08.000 --> 00:00:09.000\nsprite-001.jpg#xywh=0,0,160,90\n");
  });
});
