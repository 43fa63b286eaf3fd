import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statusKey } from "../../../handlers/contracts/bucket-layout.js";
import { type VideoStatus, VideoStatusSchema } from "../../../handlers/contracts/video-status.js";
import { makeMediaHandler } from "../../../handlers/media/index.js";
import {
  BUCKET,
  FIXTURES,
  listAll,
  mediaDeps,
  runMediaMachine,
  type S3Harness,
  startS3,
  uploadBytes,
  uploadFixture,
} from "./harness.js";

let s3h: S3Harness;
beforeAll(async () => {
  s3h = await startS3();
  // Something else in the bucket that must never be touched.
  await uploadBytes(s3h.s3, "outputs/r1/keep.mp4", "not ours");
});
afterAll(async () => {
  await s3h?.stop();
});

async function status(videoId: string): Promise<VideoStatus> {
  const response = await s3h.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: statusKey(videoId) }));
  return VideoStatusSchema.parse(JSON.parse((await response.Body?.transformToString()) ?? ""));
}

/** Uploads, ingests and runs the state machine; checks that only the video's own keys changed. */
async function process(
  fileName: string,
  body: Buffer | string | { fixture: string },
  env: Record<string, string> = {},
) {
  const { deps, started, restore } = mediaDeps({ s3: s3h, env });
  try {
    const key = `uploads/${"c".repeat(24)}/${fileName}`;
    const size =
      typeof body === "object" && "fixture" in body
        ? await uploadFixture(s3h.s3, body.fixture, key)
        : await uploadBytes(s3h.s3, key, body);
    const before = await listAll(s3h.s3);
    const ingest = (await makeMediaHandler(deps)({ Action: "ingest", bucket: BUCKET, key, size })) as {
      videoId: string;
    };
    const input = started.at(-1)?.input;
    if (!input) throw new Error("nothing started");
    const run = await runMediaMachine(deps, input);
    const after = await listAll(s3h.s3);
    for (const [k, v] of before) {
      if (!k.startsWith(`processed/${ingest.videoId}/`) && !k.startsWith("processed/names/"))
        expect(after.get(k), k).toBe(v);
    }
    for (const k of after.keys()) {
      if (!before.has(k))
        expect(k.startsWith(`processed/${ingest.videoId}/`) || k.startsWith("processed/names/"), k).toBe(
          true,
        );
    }
    return { run, status: await status(ingest.videoId), videoId: ingest.videoId };
  } finally {
    restore();
  }
}

describe("bad and unusual inputs", () => {
  it("fails a zero-byte upload with EMPTY_UPLOAD", async () => {
    const { run, status: s } = await process("empty.mp4", "");
    expect(run.error?.name).toBe("EMPTY_UPLOAD");
    expect(s).toMatchObject({
      status: "processing_failed",
      error: { step: "prepare", name: "EMPTY_UPLOAD" },
    });
    expect(s.error?.message).toMatch(/empty/);
  });

  it("fails a truncated mp4 and a text file named .mp4 with UNSUPPORTED_MEDIA", async () => {
    const whole = await readFile(join(FIXTURES, "tiny-320x180.mp4"));
    const truncated = await process("cut.mp4", whole.subarray(0, Math.floor(whole.length / 2)));
    expect(truncated.status.error).toMatchObject({ step: "prepare", name: "UNSUPPORTED_MEDIA" });
    expect(truncated.status.error?.message).toMatch(/cut\.mp4 is not a readable video/);
    const text = await process("notes.mp4", "These are meeting notes, not a video.\n".repeat(20));
    expect(text.status.error).toMatchObject({ step: "prepare", name: "UNSUPPORTED_MEDIA" });
    expect(text.run.error?.name).toBe("UNSUPPORTED_MEDIA");
  });

  it("fails an audio-only file and huge declared dimensions with clear messages", async () => {
    const audio = await process("song.mp4", { fixture: "audio-only.mp4" });
    expect(audio.status.error).toMatchObject({ name: "UNSUPPORTED_MEDIA" });
    expect(audio.status.error?.message).toMatch(/has audio but no video stream/);
    const huge = await process("huge.mp4", { fixture: "huge-dimensions.mp4" });
    expect(huge.status.error).toMatchObject({ name: "SOURCE_DIMENSIONS_TOO_LARGE" });
    expect(huge.status.error?.message).toMatch(/10000x10000/);
  });

  it("refuses a source that would not finish within the function timeout", async () => {
    const slow = await process(
      "long.mp4",
      { fixture: "speech-640x360.mp4" },
      { MEDIA_ENCODE_PIXELS_PER_SECOND: "1000000", MEDIA_TIMEOUT_SECONDS: "30" },
    );
    expect(slow.status.error).toMatchObject({ step: "prepare", name: "SOURCE_TOO_LONG" });
    expect(slow.status.error?.message).toMatch(/MEDIA_TIMEOUT_SECONDS=30/);
  });

  it("encodes a tiny 320x180 source at its own size, never upscaled", async () => {
    const tiny = await process("tiny.mp4", { fixture: "tiny-320x180.mp4" }, { GENERATE_DASH: "false" });
    expect(tiny.run.error).toBeUndefined();
    expect(tiny.status.status).toBe("processing_complete");
    expect(tiny.status.renditions?.map((r) => `${r.width}x${r.height}`)).toEqual(["320x180"]);
    expect(tiny.status.assets?.dashManifest).toBeNull();
    expect(tiny.status.subtitlesSkippedReason).toMatch(/TRANSCRIPTION_ENGINE=none/);
  });

  it("keeps rotation (portrait ladder) and handles odd-sized, variable-frame-rate, silent sources", async () => {
    const portrait = await process("phone.mp4", { fixture: "rotated-portrait.mp4" });
    expect(portrait.status.status).toBe("processing_complete");
    expect(portrait.status.renditions?.map((r) => `${r.width}x${r.height}`)).toEqual([
      "360x640",
      "240x426",
      "180x320",
    ]);

    const odd = await process(
      "odd.mp4",
      { fixture: "odd-vfr-silent.mp4" },
      { TRANSCRIPTION_ENGINE: "pocketsphinx" },
    );
    expect(odd.status.status).toBe("processing_complete");
    expect(odd.status.renditions?.map((r) => `${r.width}x${r.height}`)).toEqual(["426x240", "320x180"]);
    expect(odd.status.renditions?.every((r) => /^avc1\.[0-9a-f]{6}$/.test(r.codecs))).toBe(true);
    expect(odd.status.subtitlesSkippedReason).toBe("the video has no audio track");
  });
});
