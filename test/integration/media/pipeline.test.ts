import { GetObjectCommand } from "@aws-sdk/client-s3";
import { Parser as M3u8Parser } from "m3u8-parser";
import { parse as parseMpd } from "mpd-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nameMappingKey, processedKey, statusKey } from "../../../handlers/contracts/bucket-layout.js";
import { type VideoStatus, VideoStatusSchema } from "../../../handlers/contracts/video-status.js";
import { makeMediaHandler } from "../../../handlers/media/index.js";
import { type LocalTranscribe, startLocalTranscribe } from "../../../local/transcribe/index.js";
import {
  BUCKET,
  listAll,
  mediaDeps,
  runMediaMachine,
  type S3Harness,
  startS3,
  uploadFixture,
} from "./harness.js";

let s3h: S3Harness;
let transcribe: LocalTranscribe;
/** Set by the first test: the video the reprocess test re-runs. */
let processedVideoId: string | undefined;

async function text(key: string): Promise<string> {
  const response = await s3h.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await response.Body?.transformToString()) ?? "";
}
async function status(videoId: string): Promise<VideoStatus> {
  return VideoStatusSchema.parse(JSON.parse(await text(statusKey(videoId))));
}

beforeAll(async () => {
  s3h = await startS3();
  transcribe = await startLocalTranscribe({ s3Endpoint: s3h.endpoint });
});
afterAll(async () => {
  await transcribe?.stop();
  await s3h?.stop();
});

describe("media pipeline on a real S3 server, real ffmpeg, the real ASL interpreter", () => {
  it("ingests once, transcodes a ladder, packages HLS + DASH, sprites and subtitles", async () => {
    const { deps, started, restore } = mediaDeps({ s3: s3h, transcribeEndpoint: transcribe.endpoint });
    try {
      const handler = makeMediaHandler(deps);
      const key = "uploads/aaaaaaaaaaaaaaaaaaaaaaaa/talk with spaces.mp4";
      const size = await uploadFixture(s3h.s3, "speech-640x360.mp4", key);
      const first = await handler({ Action: "ingest", bucket: BUCKET, key, size });
      expect(first).toMatchObject({
        Action: "ingest",
        ignored: false,
        started: true,
        fileName: "talk with spaces.mp4",
      });
      const videoId = (first as { videoId: string }).videoId;
      expect(videoId).toMatch(/^[0-9a-f]{32}$/);
      expect((await status(videoId)).status).toBe("queued");
      expect(started).toHaveLength(1);
      expect(started[0]?.name).toBe(videoId);

      // A replayed event (S3 notification shape, URL-encoded key) starts nothing.
      const replay = await handler({
        Records: [
          {
            eventName: "ObjectCreated:Put",
            s3: {
              bucket: { name: BUCKET },
              object: { key: encodeURIComponent(key).replace(/%20/g, "+"), size },
            },
          },
        ],
      });
      expect(replay).toMatchObject({ videoId, started: false });
      expect(started).toHaveLength(1);

      const run = await runMediaMachine(
        deps,
        started[0]?.input ?? { bucket: "", key: "", size: 0, videoId: "", fileName: "" },
      );
      expect(run.error).toBeUndefined();
      expect(run.visited).toEqual(
        expect.arrayContaining([
          "Prepare",
          "Transcode",
          "Thumbnails",
          "TranscribeStart",
          "TranscribeStatus",
          "TranscribeFinish",
          "Complete",
        ]),
      );

      const done = await status(videoId);
      expect(done.status).toBe("processing_complete");
      expect(done.subtitlesSkippedReason).toBeUndefined();
      expect(done.renditions?.map((r) => `${r.width}x${r.height}`)).toEqual([
        "640x360",
        "426x240",
        "320x180",
      ]);
      expect(done.assets?.subtitles).toEqual([
        { language: "en-US", key: processedKey(videoId, "subtitles/en-US.vtt") },
      ]);
      expect(done.durationSeconds).toBeCloseTo(9, 0);
      const objects = await listAll(s3h.s3, `processed/${videoId}/`);
      expect([...objects.keys()].some((k) => k.includes("/work/"))).toBe(false);
      expect(done.totalBytes).toBe(
        [...objects.entries()].filter(([k]) => !k.endsWith("status.json")).reduce((s, [, v]) => s + v, 0),
      );

      // HLS master: VOD media playlists, CODECS/RESOLUTION/BANDWIDTH, subtitles group.
      const masterText = await text(processedKey(videoId, "master.m3u8"));
      const master = new M3u8Parser();
      master.push(masterText);
      master.end();
      const playlists = master.manifest.playlists ?? [];
      expect(playlists.map((p) => p.attributes.RESOLUTION?.height)).toEqual([360, 240, 180]);
      for (const p of playlists) {
        expect(p.attributes.CODECS).toMatch(/^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
        expect(p.attributes.BANDWIDTH).toBeGreaterThan(0);
        expect(p.attributes.SUBTITLES).toBe("subs");
        const media = new M3u8Parser();
        media.push(await text(processedKey(videoId, p.uri)));
        media.end();
        expect(media.manifest.playlistType).toBe("VOD");
        expect(media.manifest.endList).toBe(true);
        // 4 s segments from 2 s GOPs: 9 s -> 3 segments on every rendition (aligned).
        expect(media.manifest.segments.map((s) => Math.round(s.duration))).toEqual([4, 4, 1]);
      }
      expect(masterText).toContain('TYPE=SUBTITLES,GROUP-ID="subs"');

      // DASH: the same segments, switchable video set, audio set, subtitles set.
      const mpdText = await text(processedKey(videoId, "manifest.mpd"));
      const mpd = parseMpd(mpdText, { manifestUri: `http://example.test/processed/${videoId}/manifest.mpd` });
      expect(mpd.playlists.map((p) => p.attributes.RESOLUTION?.height).sort()).toEqual([180, 240, 360]);
      expect(Object.keys(mpd.mediaGroups.SUBTITLES?.subs ?? {}).length).toBe(1);
      expect(mpdText).toContain('initialization="init-$RepresentationID$.mp4"');
      expect(mpdText).toContain('segmentAlignment="true"');

      // Thumbnails: 9 s at 1 s -> 9 cues in 2 sheets of 4x2, every cue inside its sheet.
      const vtt = await text(processedKey(videoId, "thumbnails/thumbnails.vtt"));
      const cues = [...vtt.matchAll(/(sprite-\d{3}\.jpg)#xywh=(\d+),(\d+),(\d+),(\d+)/g)];
      expect(cues).toHaveLength(9);
      expect(done.assets?.spriteSheets).toHaveLength(2);
      for (const [, sheet, x, y, w, h] of cues) {
        expect(Number(w)).toBe(120);
        expect(Number(h)).toBe(68);
        expect(Number(x) + Number(w)).toBeLessThanOrEqual(4 * 120);
        expect(Number(y) + Number(h)).toBeLessThanOrEqual(2 * 68);
        expect(objects.has(processedKey(videoId, `thumbnails/${sheet}`))).toBe(true);
      }
      expect(objects.has(processedKey(videoId, "poster.jpg"))).toBe(true);

      // Subtitles from pocketsphinx: cues in order, inside the speech (1.0-3.1 s and 4.6-6.9 s).
      const subs = await text(processedKey(videoId, "subtitles/en-US.vtt"));
      const times = [...subs.matchAll(/(\d\d):(\d\d):(\d\d\.\d{3}) --> (\d\d):(\d\d):(\d\d\.\d{3})/g)].map(
        (m) => [Number(m[3]) + Number(m[2]) * 60, Number(m[6]) + Number(m[5]) * 60],
      );
      expect(times.length).toBeGreaterThanOrEqual(2);
      for (const [i, [start, end]] of times.entries()) {
        expect(end).toBeGreaterThan(start as number);
        if (i > 0) expect(start).toBeGreaterThanOrEqual(times[i - 1]?.[1] ?? 0);
      }
      expect(times[0]?.[0]).toBeGreaterThan(0.5);
      expect(times[times.length - 1]?.[1]).toBeLessThan(7.5);

      // The same bytes under another name: mapped to the same id, nothing started.
      const again = "uploads/bbbbbbbbbbbbbbbbbbbbbbbb/copy.mp4";
      const againSize = await uploadFixture(s3h.s3, "speech-640x360.mp4", again);
      expect(await handler({ Action: "ingest", bucket: BUCKET, key: again, size: againSize })).toMatchObject({
        videoId,
        started: false,
      });
      expect(JSON.parse(await text(nameMappingKey("copy.mp4")))).toMatchObject({
        videoId,
        fileName: "copy.mp4",
      });
      expect(JSON.parse(await text(nameMappingKey("talk with spaces.mp4")))).toMatchObject({ videoId });
      expect((await status(videoId)).status).toBe("processing_complete");
      processedVideoId = videoId;
    } finally {
      restore();
    }
  });

  it("reprocesses an existing video with a new ladder, removing the old renditions", async () => {
    const videoId = processedVideoId;
    if (!videoId) throw new Error("the first test did not process a video");
    const oneRung = JSON.stringify([
      { name: "240p", height: 240, videoBitrate: 300_000, audioBitrate: 64_000 },
    ]);
    const { deps, started, restore } = mediaDeps({
      s3: s3h,
      env: { LADDER: oneRung, GENERATE_SUBTITLES: "false" },
    });
    try {
      const result = await makeMediaHandler(deps)({ Action: "reprocess", videoId });
      expect(result).toMatchObject({ Action: "reprocess", videoId });
      expect(started[0]?.name).toMatch(new RegExp(`^${videoId}-reprocess-\\d+$`));
      expect(started[0]?.input).toMatchObject({
        videoId,
        reprocess: true,
        key: "uploads/aaaaaaaaaaaaaaaaaaaaaaaa/talk with spaces.mp4",
      });
      expect((await status(videoId)).status).toBe("queued");
      const run = await runMediaMachine(
        deps,
        started[0]?.input ?? { bucket: "", key: "", size: 0, videoId, fileName: "" },
      );
      expect(run.error).toBeUndefined();
      const done = await status(videoId);
      expect(done.status).toBe("processing_complete");
      expect(done.renditions?.map((r) => `${r.width}x${r.height}`)).toEqual(["426x240"]);
      expect(done.subtitlesSkippedReason).toMatch(/GENERATE_SUBTITLES=false/);
      const keys = [...(await listAll(s3h.s3, `processed/${videoId}/`)).keys()];
      const segments = keys.filter((k) => /seg-\d+-\d+\.mp4$/.test(k));
      expect(segments.length).toBeGreaterThan(0);
      // One video rendition (0) and the audio (1) now; the old 240p/180p/audio ids 2 and 3 are gone.
      expect(segments.every((k) => /\/seg-[01]-/.test(k))).toBe(true);
      expect(keys.some((k) => k.endsWith("/media_2.m3u8") || k.endsWith("/init-3.mp4"))).toBe(false);
      expect(keys.some((k) => k.includes("/subtitles/"))).toBe(false);
    } finally {
      restore();
    }
  });
});
