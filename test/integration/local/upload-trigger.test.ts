import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { ListExecutionsCommand, StopExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalCloudHandle, startLocalCloud } from "../../../local/index.js";
import { clientsFor, endpointsFromLocal } from "../../../tui/target/connect.js";

/**
 * Object-created events under uploads/ start the media workflow through the media function's `ingest`
 * (the same normalized UploadEvent as in AWS), once per video: replays start nothing, and the
 * pipeline's own writes never trigger.
 */

const CLIP = resolve(import.meta.dirname, "../../../fixtures/compositions/video-frame/clip.mp4");

let scratch: string;
let cloud: LocalCloudHandle;
let clients: ReturnType<typeof clientsFor>;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "local-upload-"));
  cloud = await startLocalCloud({ dataDir: join(scratch, "data") });
  clients = clientsFor(endpointsFromLocal(cloud.endpoints));
});

afterAll(async () => {
  clients?.s3.destroy();
  clients?.sfn.destroy();
  await cloud?.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function triggers(count: number): Promise<void> {
  while (cloud.uploadTriggers.length < count) {
    await new Promise((r) => setTimeout(r, 50));
    await cloud.settleUploads();
  }
}

async function mediaExecutions() {
  const out = await clients.sfn.send(
    new ListExecutionsCommand({ stateMachineArn: cloud.endpoints.mediaStateMachineArn }),
  );
  return out.executions ?? [];
}

describe("upload trigger", () => {
  it("starts one media execution per video; replays and pipeline writes start nothing", async () => {
    const body = await readFile(CLIP);
    const videoId = createHash("sha256").update(body).digest("hex").slice(0, 32);
    const bucket = cloud.endpoints.bucket;
    const key = "uploads/0123456789abcdef01234567/clip.mp4";

    await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    await triggers(1);
    expect(cloud.uploadTriggers[0]).toMatchObject({ ok: true, event: { bucket, key, size: body.length } });
    const executions = await mediaExecutions();
    expect(executions.map((e) => e.name)).toEqual([videoId]);
    // The pipeline itself is not under test here: stop it to spare the CPU.
    await clients.sfn.send(new StopExecutionCommand({ executionArn: executions[0]?.executionArn }));

    // The same event again (a replayed notification).
    const replay = (await cloud.invoke("media", { Action: "ingest", bucket, key, size: body.length })) as {
      started?: boolean;
      videoId?: string;
    };
    expect(replay.videoId).toBe(videoId);
    expect(replay.started).toBe(false);

    // A pipeline write (never a trigger), then the same bytes uploaded again under another upload id.
    await clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: `processed/${videoId}/copy.mp4`, Body: body }),
    );
    await clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "uploads/fedcba9876543210fedcba98/again.mp4", Body: body }),
    );
    await triggers(2);
    expect(cloud.uploadTriggers.map((t) => t.event.key)).toEqual([
      key,
      "uploads/fedcba9876543210fedcba98/again.mp4",
    ]);
    expect(cloud.uploadTriggers[1]?.result).toMatchObject({ videoId, started: false });
    expect((await mediaExecutions()).map((e) => e.name)).toEqual([videoId]);
  });
});
