import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chunkKey, s3Uri } from "../../../handlers/contracts/bucket-layout.js";
import type { AppError } from "../../../handlers/contracts/errors.js";
import type { PlanResult } from "../../../handlers/contracts/render-events.js";
import { chunkUri, makeRenderHandler, planLocations } from "../../../handlers/render/handler.js";
import type { PlanV2Manifest, ProducerApi } from "../../../handlers/render/producer-api.js";
import { craftTarGz, INDEX_HTML } from "./tar-builder.js";

const BUCKET = "unit-bucket";
const sha = (bytes: string | Buffer): string => createHash("sha256").update(bytes).digest("hex");

/** An in-memory bucket behind aws-sdk-client-mock: GetObject/PutObject/HeadObject on a Map. */
function fakeBucket() {
  const objects = new Map<string, { body: Buffer; metadata: Record<string, string> }>();
  const s3 = new S3Client({ region: "us-east-1" });
  const mock = mockClient(s3);
  mock.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const object = objects.get(input.Key);
    if (!object) throw Object.assign(new Error("The specified key does not exist."), { name: "NoSuchKey" });
    return {
      Body: Readable.from([object.body]),
      ContentLength: object.body.length,
      Metadata: object.metadata,
    };
  });
  mock.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    const object = objects.get(input.Key);
    if (!object) throw Object.assign(new Error("Not Found"), { name: "NotFound" });
    return { ContentLength: object.body.length, Metadata: object.metadata };
  });
  mock
    .on(PutObjectCommand)
    .callsFake(async (input: { Key: string; Body: unknown; Metadata?: Record<string, string> }) => {
      const body = input.Body;
      let bytes: Buffer;
      if (typeof body === "string" || body instanceof Uint8Array) bytes = Buffer.from(body);
      else {
        const parts: Buffer[] = [];
        for await (const part of body as AsyncIterable<Buffer>) parts.push(Buffer.from(part));
        bytes = Buffer.concat(parts);
      }
      objects.set(input.Key, { body: bytes, metadata: input.Metadata ?? {} });
      return {};
    });
  return { s3, objects, mock };
}

/** A producer stand-in with the v2 layout: plan.json + artifacts/sha256/xx/<sha>; chunks hash their index. */
function fakeProducer(options: { totalFrames?: number; validate?: (config: object) => void } = {}) {
  const calls: string[] = [];
  /** The capture-worker variables as each producer call saw them (the real producer reads them then). */
  const captureEnv: Array<{ call: string; maxWorkers?: string; minParallelFrames?: string }> = [];
  const seeEnv = (call: string) =>
    captureEnv.push({
      call,
      maxWorkers: process.env.PRODUCER_MAX_WORKERS,
      minParallelFrames: process.env.PRODUCER_MIN_PARALLEL_FRAMES,
    });
  const producer: ProducerApi = {
    async planV2(_projectDir, config, planDir) {
      calls.push("plan");
      seeEnv("plan");
      const totalFrames = options.totalFrames ?? 60;
      const chunkCount = Math.ceil(totalFrames / (config.chunkSize ?? 240));
      const blobs = {
        "compiled/index.html": "<html>compiled</html>",
        "meta/chunk-only.json": "{}",
        "audio.m4a": "AUDIO",
      };
      const artifacts = Object.entries(blobs).map(([path, body]) => ({
        path,
        sha256: sha(body),
        sizeBytes: body.length,
        chunks: "all" as const,
        assembler: path !== "meta/chunk-only.json",
      }));
      for (const body of Object.values(blobs)) {
        const digest = sha(body);
        await mkdir(join(planDir, "artifacts", "sha256", digest.slice(0, 2)), { recursive: true });
        await writeFile(join(planDir, "artifacts", "sha256", digest.slice(0, 2), digest), body);
      }
      const manifest = {
        planHash: sha(`plan-${config.chunkSize}`),
        chunkCount,
        totalFrames,
        fps: config.fps,
        width: config.width,
        height: config.height,
        format: config.format,
        ffmpegVersion: "ffmpeg test",
        producerVersion: "0.0.0",
        artifacts,
      };
      await writeFile(join(planDir, "plan.json"), JSON.stringify(manifest));
      return { ...manifest, planDir, manifestPath: join(planDir, "plan.json") } as unknown as Awaited<
        ReturnType<ProducerApi["planV2"]>
      >;
    },
    async renderChunkV2(planDir, chunkIndex, out) {
      calls.push(`chunk${chunkIndex}`);
      seeEnv(`chunk${chunkIndex}`);
      expect(await readdir(join(planDir, "artifacts", "sha256"))).not.toHaveLength(0);
      await writeFile(out, `chunk ${chunkIndex}`);
      return { sha256: sha(`chunk ${chunkIndex}`), framesEncoded: 15 };
    },
    async assembleV2(_planDir, chunkPaths, out) {
      calls.push("assemble");
      seeEnv("assemble");
      const bodies = await Promise.all(chunkPaths.map((path) => readFile(path, "utf8")));
      await writeFile(out, bodies.join("|"));
      return { framesEncoded: 60, fileSize: bodies.join("|").length };
    },
    validateDistributedRenderConfig(config) {
      options.validate?.(config);
      return config;
    },
    readPlanV2Manifest(planDir) {
      return JSON.parse(readFileSync(join(planDir, "plan.json"), "utf8")) as PlanV2Manifest;
    },
    listPlanV2ArtifactsForTarget(manifest, target) {
      return manifest.artifacts.filter((artifact) => target.role === "chunk" || artifact.assembler);
    },
    isPlanAudioArtifactPath: (path) => path === "audio.m4a",
  };
  return { producer, calls, captureEnv };
}

let tmpRoot: string;
beforeEach(async () => {
  tmpRoot = await mkdtemp(join(tmpdir(), "render-handler-unit-"));
});
afterEach(async () => {
  await rm(tmpRoot, { recursive: true, force: true });
});

function setup(options: Parameters<typeof fakeProducer>[0] = {}) {
  const bucket = fakeBucket();
  const fake = fakeProducer(options);
  bucket.objects.set("projects/p.tar.gz", { body: craftTarGz([INDEX_HTML]), metadata: {} });
  const handler = makeRenderHandler({
    s3: bucket.s3,
    producer: async () => fake.producer,
    prepareRuntime: async () => undefined,
    tmpRoot,
  });
  const planEvent = (config: Record<string, unknown> = { chunkSize: 15 }) => ({
    Action: "plan",
    ProjectS3Uri: s3Uri(BUCKET, "projects/p.tar.gz"),
    PlanOutputS3Prefix: s3Uri(BUCKET, "renders/job1/"),
    Config: config,
  });
  return { ...bucket, ...fake, handler, planEvent };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    return err as AppError;
  }
  throw new Error("expected a rejection");
}

const chunkEvent = (plan: PlanResult, index: number) => ({
  Action: "renderChunk",
  PlanProtocol: "v2",
  PlanHash: plan.PlanHash,
  ChunkIndex: index,
  ChunkOutputS3Prefix: plan.ChunkOutputS3Prefix,
  Format: plan.Format,
  PlanV2ManifestS3Uri: plan.PlanV2ManifestS3Uri,
  PlanV2ArtifactS3Prefix: plan.PlanV2ArtifactS3Prefix,
});

const assembleEvent = (plan: PlanResult) => ({
  Action: "assemble",
  PlanProtocol: "v2",
  PlanHash: plan.PlanHash,
  PlanV2ManifestS3Uri: plan.PlanV2ManifestS3Uri,
  PlanV2ArtifactS3Prefix: plan.PlanV2ArtifactS3Prefix,
  OutputS3Uri: s3Uri(BUCKET, "outputs/job1/out.mp4"),
  Format: plan.Format,
  ChunkOutputS3Prefix: plan.ChunkOutputS3Prefix,
  ChunkCount: plan.ChunkCount,
});

describe("render handler", () => {
  it("plans, renders each chunk and assembles through S3, with small results", async () => {
    const { handler, planEvent, objects, calls } = setup();
    const plan = (await handler(planEvent())) as PlanResult;
    expect(plan).toMatchObject({
      Action: "plan",
      ChunkCount: 4,
      TotalFrames: 60,
      Width: 640,
      Height: 360,
      Fps: 30,
      HasAudio: true,
    });
    expect(plan.PlanV2ManifestS3Uri).toBe(s3Uri(BUCKET, "renders/job1/plan/manifest.json"));
    expect(objects.has("renders/job1/plan/manifest.json")).toBe(true);
    for (let i = 0; i < plan.ChunkCount; i++) {
      const result = await handler(chunkEvent(plan, i));
      expect(result).toMatchObject({ ChunkIndex: i, Sha256: sha(`chunk ${i}`) });
      expect(objects.get(chunkKey("job1", i, "mp4"))?.metadata).toEqual({ sha256: sha(`chunk ${i}`) });
    }
    const assembled = await handler(assembleEvent(plan));
    expect(objects.get("outputs/job1/out.mp4")?.body.toString()).toBe("chunk 0|chunk 1|chunk 2|chunk 3");
    expect(calls).toEqual(["plan", "chunk0", "chunk1", "chunk2", "chunk3", "assemble"]);
    for (const result of [plan, assembled]) expect(JSON.stringify(result).length).toBeLessThan(1024);
    expect(await readdir(tmpRoot)).toEqual([]);
  });

  it("rejects an unknown Action with INVALID_EVENT naming the allowed values", async () => {
    const err = await rejection(setup().handler({ Action: "explode" }));
    expect(err.name).toBe("INVALID_EVENT");
    expect(err.message).toMatch(/plan, renderChunk, assemble/);
  });

  it.each([
    [{ fps: 25 }, /Config\.fps: fps must be one of 24, 30, 60/],
    [{ width: 641, height: 360 }, /Config\.width: width must be even/],
    [{ format: "gif" }, /Config\.format: format must be one of mp4, mov, webm/],
    [{ chunkSize: 5 }, /Config\.chunkSize: chunkSize must be at least 10/],
  ])("rejects Config %j with INVALID_CONFIG before any work", async (config, message) => {
    const { handler, planEvent, calls, mock } = setup();
    const err = await rejection(handler(planEvent(config)));
    expect(err.name).toBe("INVALID_CONFIG");
    expect(err.message).toMatch(message);
    expect(calls).toEqual([]);
    expect(mock.calls()).toHaveLength(0);
  });

  it("passes the producer's own config verdict through as INVALID_CONFIG naming the field", async () => {
    const { handler, planEvent, calls } = setup({
      validate: () => {
        throw Object.assign(new Error("[validateConfig] config.quality: bad"), { field: "config.quality" });
      },
    });
    const err = await rejection(handler(planEvent()));
    expect(err.name).toBe("INVALID_CONFIG");
    expect(err.message).toMatch(/^Config\.quality: /);
    expect(calls).toEqual([]);
  });

  it("refuses more than 1,000 chunks with TOO_MANY_CHUNKS", async () => {
    const { handler, planEvent } = setup({ totalFrames: 10_010 });
    const err = await rejection(handler(planEvent({ chunkSize: 10 })));
    expect(err.name).toBe("TOO_MANY_CHUNKS");
    expect(err.message).toMatch(/1001 chunks/);
  });

  it("reports a missing project as INVALID_EVENT", async () => {
    const { handler, planEvent, objects } = setup();
    objects.delete("projects/p.tar.gz");
    expect((await rejection(handler(planEvent()))).name).toBe("INVALID_EVENT");
  });

  it("refuses a chunk of another plan with PLAN_HASH_MISMATCH and an index past the end with CHUNK_INDEX_OUT_OF_RANGE", async () => {
    const { handler, planEvent } = setup();
    const plan = (await handler(planEvent())) as PlanResult;
    expect((await rejection(handler({ ...chunkEvent(plan, 0), PlanHash: "0".repeat(64) }))).name).toBe(
      "PLAN_HASH_MISMATCH",
    );
    expect((await rejection(handler(chunkEvent(plan, 4)))).name).toBe("CHUNK_INDEX_OUT_OF_RANGE");
  });

  it("fails with DIGEST_MISMATCH (retryable) when a plan artifact was altered", async () => {
    const { handler, planEvent, objects } = setup();
    const plan = (await handler(planEvent())) as PlanResult;
    const key = [...objects.keys()].find((k) =>
      k.startsWith("renders/job1/plan/artifacts/sha256/"),
    ) as string;
    objects.set(key, { body: Buffer.from("tampered"), metadata: {} });
    const err = await rejection(handler(chunkEvent(plan, 0)));
    expect(err.name).toBe("DIGEST_MISMATCH");
    expect(err.retryable).toBe(true);
    expect(await readdir(tmpRoot)).toEqual([]);
  });

  it("fails assemble with DIGEST_MISMATCH when a chunk does not match its recorded SHA-256", async () => {
    const { handler, planEvent, objects } = setup();
    const plan = (await handler(planEvent())) as PlanResult;
    for (let i = 0; i < plan.ChunkCount; i++) await handler(chunkEvent(plan, i));
    const key = chunkKey("job1", 2, "mp4");
    objects.set(key, { body: Buffer.from("corrupt"), metadata: objects.get(key)?.metadata ?? {} });
    expect((await rejection(handler(assembleEvent(plan)))).name).toBe("DIGEST_MISMATCH");
  });

  it("refuses assemble when the chunk count disagrees with the plan", async () => {
    const { handler, planEvent } = setup();
    const plan = (await handler(planEvent())) as PlanResult;
    const err = await rejection(handler({ ...assembleEvent(plan), ChunkCount: 3 }));
    expect(err.name).toBe("INVALID_EVENT");
  });

  it("times out with INVOCATION_TIMEOUT near the Lambda deadline and removes its temp dir", async () => {
    const { handler, planEvent, producer } = setup();
    producer.planV2 = () => new Promise(() => undefined);
    const err = await rejection(handler(planEvent(), { getRemainingTimeInMillis: () => 5_300 }));
    expect(err.name).toBe("INVOCATION_TIMEOUT");
    expect(await readdir(tmpRoot)).toEqual([]);
  });
});

describe("capture workers per chunk", () => {
  const KEYS = ["PRODUCER_MAX_WORKERS", "PRODUCER_MIN_PARALLEL_FRAMES"] as const;
  let saved: Record<string, string | undefined>;
  beforeEach(() => {
    saved = Object.fromEntries(KEYS.map((key) => [key, process.env[key]]));
    for (const key of KEYS) delete process.env[key];
  });
  afterEach(() => {
    for (const key of KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it("renders every chunk with one capture worker when the env sets nothing, and only renderChunk sees it", async () => {
    const { handler, planEvent, captureEnv } = setup();
    const plan = (await handler(planEvent())) as PlanResult;
    // Chunks of one job at once in one process (as the parity test runs them).
    await Promise.all(Array.from({ length: plan.ChunkCount }, (_, i) => handler(chunkEvent(plan, i))));
    await handler(assembleEvent(plan));
    const byCall = Object.fromEntries(captureEnv.map(({ call, ...env }) => [call, env]));
    for (let i = 0; i < plan.ChunkCount; i++) {
      expect(byCall[`chunk${i}`]).toEqual({ maxWorkers: "1", minParallelFrames: "100000" });
    }
    expect(byCall.plan).toEqual({ maxWorkers: undefined, minParallelFrames: undefined });
    expect(byCall.assemble).toEqual({ maxWorkers: undefined, minParallelFrames: undefined });
    // Nothing is left behind for other code in the process (e.g. an in-process render).
    expect(KEYS.map((key) => process.env[key])).toEqual([undefined, undefined]);
  });

  it("keeps values the env sets: each variable on its own", async () => {
    process.env.PRODUCER_MAX_WORKERS = "3";
    process.env.PRODUCER_MIN_PARALLEL_FRAMES = "150";
    const both = setup();
    const plan = (await both.handler(both.planEvent())) as PlanResult;
    await both.handler(chunkEvent(plan, 0));
    expect(both.captureEnv.find((seen) => seen.call === "chunk0")).toEqual({
      call: "chunk0",
      maxWorkers: "3",
      minParallelFrames: "150",
    });
    expect(KEYS.map((key) => process.env[key])).toEqual(["3", "150"]);

    delete process.env.PRODUCER_MIN_PARALLEL_FRAMES;
    const one = setup();
    const plan2 = (await one.handler(one.planEvent())) as PlanResult;
    await one.handler(chunkEvent(plan2, 1));
    expect(one.captureEnv.find((seen) => seen.call === "chunk1")).toEqual({
      call: "chunk1",
      maxWorkers: "3",
      minParallelFrames: "100000",
    });
    expect(KEYS.map((key) => process.env[key])).toEqual(["3", undefined]);
  });

  it("removes its defaults when the producer fails", async () => {
    const { handler, planEvent, producer } = setup();
    const plan = (await handler(planEvent())) as PlanResult;
    producer.renderChunkV2 = async () => {
      expect(process.env.PRODUCER_MAX_WORKERS).toBe("1");
      throw new Error("Target closed");
    };
    expect((await rejection(handler(chunkEvent(plan, 0)))).name).toBe("BROWSER_CRASHED");
    expect(KEYS.map((key) => process.env[key])).toEqual([undefined, undefined]);
  });
});

describe("key layout", () => {
  it("puts chunks where bucket-layout's chunkKey says and the plan under <prefix>plan/", () => {
    const prefix = s3Uri(BUCKET, "renders/job9/");
    const locations = planLocations(prefix);
    expect(chunkUri(locations.chunkPrefixUri, 12, "mp4")).toBe(s3Uri(BUCKET, chunkKey("job9", 12, "mp4")));
    expect(locations.manifestUri).toBe(s3Uri(BUCKET, "renders/job9/plan/manifest.json"));
    expect(locations.artifactPrefixUri).toBe(s3Uri(BUCKET, "renders/job9/plan/artifacts/"));
  });
});
