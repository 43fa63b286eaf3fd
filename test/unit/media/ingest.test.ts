import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { TranscribeClient } from "@aws-sdk/client-transcribe";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { MediaExecutionInputSchema } from "../../../handlers/contracts/media-events.js";
import { readMediaConfig } from "../../../handlers/media/config.js";
import { makeMediaHandler } from "../../../handlers/media/index.js";
import { failureMessage } from "../../../handlers/media/steps.js";

const bytes = Buffer.from("pretend these are video bytes");
const sha = createHash("sha256").update(bytes).digest("hex");
const videoId = sha.slice(0, 32);
const upload = {
  Action: "ingest",
  bucket: "bucket-1",
  key: "uploads/0123456789abcdef01234567/clip.mp4",
  size: bytes.length,
};

function setup(options: { existingStatus?: object; executionExists?: boolean } = {}) {
  const s3 = new S3Client({ region: "us-east-1" });
  const sfn = new SFNClient({ region: "us-east-1" });
  const s3Mock = mockClient(s3);
  const sfnMock = mockClient(sfn);
  s3Mock
    .on(GetObjectCommand, { Key: upload.key })
    .callsFake(() => ({ Body: Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]) }));
  s3Mock.on(GetObjectCommand, { Key: `processed/${videoId}/status.json` }).callsFake(() => {
    if (!options.existingStatus)
      throw Object.assign(new Error("NoSuchKey"), { name: "NoSuchKey", $metadata: { httpStatusCode: 404 } });
    return { Body: Readable.from([Buffer.from(JSON.stringify(options.existingStatus))]) };
  });
  s3Mock.on(PutObjectCommand).resolves({});
  if (options.executionExists) {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: "exists", $metadata: {} }));
  } else {
    sfnMock.on(StartExecutionCommand).resolves({
      executionArn: `arn:aws:states:us-east-1:1:execution:media:${videoId}`,
      startDate: new Date(),
    });
  }
  const config = readMediaConfig({
    MEDIA_STATE_MACHINE_ARN: "arn:aws:states:us-east-1:1:stateMachine:media",
    BUCKET_NAME: "bucket-1",
  });
  const handler = makeMediaHandler({
    s3,
    sfn,
    transcribe: new TranscribeClient({ region: "us-east-1" }),
    config,
    now: () => new Date("2026-11-21T12:00:00Z"),
  });
  return { handler, s3Mock, sfnMock };
}

const mocks: Array<{ restore: () => void }> = [];
afterEach(() => {
  for (const mock of mocks.splice(0)) mock.restore();
});

describe("ingest", () => {
  it("hashes the upload streaming, maps the name, writes queued and starts an execution named by the video id", async () => {
    const { handler, s3Mock, sfnMock } = setup();
    mocks.push(s3Mock, sfnMock);
    expect(await handler(upload)).toEqual({
      Action: "ingest",
      ignored: false,
      videoId,
      fileName: "clip.mp4",
      started: true,
      executionArn: `arn:aws:states:us-east-1:1:execution:media:${videoId}`,
    });
    const start = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.name).toBe(videoId);
    expect(MediaExecutionInputSchema.parse(JSON.parse(start?.input ?? ""))).toEqual({
      bucket: "bucket-1",
      key: upload.key,
      size: bytes.length,
      videoId,
      fileName: "clip.mp4",
      reprocess: false,
    });
    const puts = s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts.map((p) => p.Key)).toEqual([
      "processed/names/clip.mp4.json",
      `processed/${videoId}/status.json`,
      `processed/${videoId}/status.json`,
    ]);
    expect(JSON.parse(String(puts[0]?.Body))).toEqual({
      fileName: "clip.mp4",
      videoId,
      uploadedAt: "2026-11-21T12:00:00.000Z",
    });
    expect(JSON.parse(String(puts[2]?.Body))).toMatchObject({
      status: "queued",
      executionArn: expect.stringContaining(videoId),
    });
    expect(puts.every((p) => p.Key?.startsWith("processed/"))).toBe(true);
  });

  it("treats a replay as harmless and never overwrites an existing status", async () => {
    const existing = {
      videoId,
      fileName: "clip.mp4",
      status: "processing_complete",
      source: { bucket: "bucket-1", key: upload.key, size: bytes.length },
      createdAt: "2026-11-20T00:00:00.000Z",
      updatedAt: "2026-11-20T00:10:00.000Z",
    };
    const { handler, s3Mock, sfnMock } = setup({ existingStatus: existing, executionExists: true });
    mocks.push(s3Mock, sfnMock);
    expect(await handler(upload)).toMatchObject({ videoId, started: false, executionArn: null });
    const keys = s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key);
    expect(keys).toEqual(["processed/names/clip.mp4.json"]);
  });

  it("ignores keys outside uploads/ without reading them", async () => {
    const { handler, s3Mock, sfnMock } = setup();
    mocks.push(s3Mock, sfnMock);
    expect(await handler({ ...upload, key: "processed/abc/master.m3u8" })).toMatchObject({ ignored: true });
    expect(s3Mock.calls()).toHaveLength(0);
    expect(sfnMock.calls()).toHaveLength(0);
  });
});

describe("failureMessage", () => {
  it("takes the message out of a Lambda error cause and explains timeouts", () => {
    const cause = JSON.stringify({
      errorType: "EMPTY_UPLOAD",
      errorMessage: "clip.mp4 is empty (0 bytes)",
      trace: [],
    });
    expect(failureMessage("prepare", "EMPTY_UPLOAD", cause)).toBe("clip.mp4 is empty (0 bytes)");
    expect(failureMessage("transcode", "States.Timeout", null)).toBe(
      "The transcode step ran past its time limit and was stopped.",
    );
    expect(failureMessage("thumbnails", "TRANSCODE_FAILED", "plain text cause")).toBe("plain text cause");
  });
});
