import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  GetTranscriptionJobCommand,
  StartTranscriptionJobCommand,
  TranscribeClient,
  type TranscriptionJob,
} from "@aws-sdk/client-transcribe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { speechWavArgs } from "../../../handlers/media/ffmpeg/args.js";
import { runFfmpeg } from "../../../handlers/media/ffmpeg/run.js";
import { subtitleCues, TranscribeResultSchema } from "../../../handlers/media/webvtt.js";
import { ffmpegPath } from "../../../handlers/shared/binaries.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../local/discovery.js";
import { type LocalTranscribe, startLocalTranscribe } from "../../../local/transcribe/index.js";
import { BUCKET, FIXTURES, type S3Harness, startS3 } from "./harness.js";

const GRAMMAR = new URL("./digits.jsgf", import.meta.url).pathname;
const DIGITS = new Set(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]);

let s3h: S3Harness;
let withGrammar: LocalTranscribe;
let missingEngine: LocalTranscribe;
let work: string;

beforeAll(async () => {
  s3h = await startS3();
  withGrammar = await startLocalTranscribe({
    s3Endpoint: s3h.endpoint,
    pocketsphinx: { grammarPath: GRAMMAR },
  });
  missingEngine = await startLocalTranscribe({
    s3Endpoint: s3h.endpoint,
    pocketsphinx: { binary: "/nonexistent/pocketsphinx_continuous" },
  });
  // The audio the transcode pass hands to Transcribe: mono 16 kHz, here as WAV from the speech fixture.
  work = await mkdtemp(join(tmpdir(), "media-transcribe-"));
  const wav = join(work, "speech.wav");
  await runFfmpeg(speechWavArgs(join(FIXTURES, "speech-640x360.mp4"), wav), {
    ffmpegPath: ffmpegPath(),
    timeoutMs: 60_000,
  });
  await s3h.s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: "audio/speech.wav", Body: await readFile(wav) }),
  );
});
afterAll(async () => {
  await withGrammar?.stop();
  await missingEngine?.stop();
  await s3h?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function transcribeJob(endpoint: string, name: string, language = "en-US"): Promise<TranscriptionJob> {
  const client = new TranscribeClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await client.send(
      new StartTranscriptionJobCommand({
        TranscriptionJobName: name,
        LanguageCode: language === "en-US" ? "en-US" : "fr-FR",
        Media: { MediaFileUri: `s3://${BUCKET}/audio/speech.wav` },
        OutputBucketName: BUCKET,
        OutputKey: `transcripts/${name}.json`,
      }),
    );
    for (;;) {
      const { TranscriptionJob: job } = await client.send(
        new GetTranscriptionJobCommand({ TranscriptionJobName: name }),
      );
      if (job?.TranscriptionJobStatus === "COMPLETED" || job?.TranscriptionJobStatus === "FAILED") return job;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    client.destroy();
  }
}

async function result(name: string) {
  const response = await s3h.s3.send(
    new GetObjectCommand({ Bucket: BUCKET, Key: `transcripts/${name}.json` }),
  );
  return TranscribeResultSchema.parse(JSON.parse((await response.Body?.transformToString()) ?? ""));
}

describe("local Transcribe stand-in (pocketsphinx) through @aws-sdk/client-transcribe", () => {
  it("writes a Transcribe-shaped result whose cues follow the speech, deterministically with a grammar", async () => {
    const job = await transcribeJob(withGrammar.endpoint, "digits-1");
    expect(job.TranscriptionJobStatus).toBe("COMPLETED");
    expect(job.Transcript?.TranscriptFileUri).toBe(`s3://${BUCKET}/transcripts/digits-1.json`);
    const first = await result("digits-1");
    const words = first.results.items.map((item) => item.alternatives[0]?.content ?? "");
    expect(words.length).toBeGreaterThanOrEqual(6);
    expect(words.every((word) => DIGITS.has(word))).toBe(true);

    // Speech runs 1.0-3.1 s and 4.6-6.9 s: two cues split at the 1.5 s pause, timings within 0.35 s.
    const cues = subtitleCues(first);
    expect(cues).toHaveLength(2);
    expect(cues[0]?.start).toBeGreaterThan(0.65);
    expect(cues[0]?.start).toBeLessThan(1.35);
    expect(cues[0]?.end).toBeGreaterThan(2.2);
    expect(cues[0]?.end).toBeLessThan(3.4);
    expect(cues[1]?.start).toBeGreaterThan(4.25);
    expect(cues[1]?.start).toBeLessThan(4.95);
    expect(cues[1]?.end).toBeGreaterThan(6.0);
    expect(cues[1]?.end).toBeLessThan(7.25);

    // Same audio, same grammar: the same words at the same times.
    await transcribeJob(withGrammar.endpoint, "digits-2");
    expect((await result("digits-2")).results.items).toEqual(first.results.items);
  });

  it("refuses a duplicate job name and fails jobs with the reason when the engine is missing or the language is not English", async () => {
    await expect(transcribeJob(withGrammar.endpoint, "digits-1")).rejects.toMatchObject({
      name: "ConflictException",
    });
    const missing = await transcribeJob(missingEngine.endpoint, "missing-1");
    expect(missing.TranscriptionJobStatus).toBe("FAILED");
    expect(missing.FailureReason).toMatch(
      /not installed \(apt-get install pocketsphinx pocketsphinx-en-us\)/,
    );
    const french = await transcribeJob(withGrammar.endpoint, "french-1", "fr-FR");
    expect(french.FailureReason).toMatch(/only knows English; got fr-FR/);
  });
});
