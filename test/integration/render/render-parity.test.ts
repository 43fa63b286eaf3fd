import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fixtureDir,
  type LocalS3,
  type MediaFacts,
  probeMedia,
  psnr,
  renderInProcess,
  runPipeline,
  runProducerDirect,
  sha256Hex,
  startLocalS3,
  uploadProject,
} from "../../../bench/render/harness.js";
import { makeRenderHandler } from "../../../handlers/render/handler.js";
import { prepareProducerRuntime } from "../../../handlers/render/runtime.js";

/**
 * For each fixture at 1, 2 and 4 chunks, through the handler against a real s3rver: the output is
 * byte-identical to the producer's own planV2/renderChunkV2/assembleV2 with the same config, and close
 * to the producer's in-process render (PSNR avg >= 45 dB, min >= 38 dB), same frame count and duration,
 * audio where the project has audio. One in-process baseline per fixture is shared by its three cases.
 */

const FIXTURES = [
  { name: "title-card", audio: false },
  { name: "audio-pulse", audio: true },
  { name: "video-frame", audio: false },
] as const;
const CHUNK_COUNTS = [1, 2, 4] as const;
const TOTAL_FRAMES = 60; // every fixture is 2 s at 30 fps

let scratch: string;
let s3: LocalS3;
let handler: ReturnType<typeof makeRenderHandler>;
const report: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "render-parity-"));
  s3 = await startLocalS3(join(scratch, "s3"));
  await prepareProducerRuntime();
  handler = makeRenderHandler({ s3: s3.client });
});

afterAll(async () => {
  console.log(`render parity:\n${report.map((row) => JSON.stringify(row)).join("\n")}`);
  await s3?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe.each(FIXTURES)("$name through the render handler", ({ name, audio }) => {
  let projectUri: string;
  let baseline: string;
  let baselineFacts: MediaFacts;

  beforeAll(async () => {
    const dir = join(scratch, name);
    await mkdir(dir, { recursive: true });
    projectUri = await uploadProject(s3, fixtureDir(name), dir);
    baseline = join(dir, "in-process.mp4");
    await renderInProcess(fixtureDir(name), baseline);
    baselineFacts = await probeMedia(baseline);
  });

  it.each(CHUNK_COUNTS)(
    "at %i chunk(s) matches the producer byte for byte and its in-process render by PSNR",
    async (chunks) => {
      const dir = join(scratch, name, `c${chunks}`);
      await mkdir(dir, { recursive: true });
      const chunkSize = Math.ceil(TOTAL_FRAMES / chunks);
      const viaHandler = await runPipeline({
        handler,
        s3,
        projectUri,
        jobId: `${name}-c${chunks}`,
        config: { chunkSize },
        chunkConcurrency: 2,
        downloadTo: join(dir, "handler.mp4"),
      });
      expect(viaHandler.plan.ChunkCount).toBe(chunks);
      expect(viaHandler.plan.HasAudio).toBe(audio);

      const direct = join(dir, "direct.mp4");
      const directChunkShas = await runProducerDirect(
        fixtureDir(name),
        chunkSize,
        join(dir, "direct"),
        direct,
      );
      expect(viaHandler.chunks.map((chunk) => chunk.Sha256)).toEqual(directChunkShas);
      const handlerBytes = await readFile(viaHandler.outputPath);
      expect(sha256Hex(handlerBytes)).toBe(sha256Hex(await readFile(direct)));
      expect(viaHandler.assemble.Sha256).toBe(sha256Hex(handlerBytes));

      const facts = await probeMedia(viaHandler.outputPath);
      expect(facts.frames).toBe(TOTAL_FRAMES);
      expect(facts.frames).toBe(baselineFacts.frames);
      expect(Math.abs(facts.durationSeconds - baselineFacts.durationSeconds)).toBeLessThan(0.05);
      expect(facts.hasAudio).toBe(audio);
      expect(baselineFacts.hasAudio).toBe(audio);

      const score = await psnr(viaHandler.outputPath, baseline, dir);
      report.push({
        fixture: name,
        chunks,
        psnrAvg: Number(score.avg.toFixed(2)),
        psnrMin: Number(score.min.toFixed(2)),
        frames: score.frames,
      });
      expect(score.frames).toBe(TOTAL_FRAMES);
      expect(score.avg).toBeGreaterThanOrEqual(45);
      expect(score.min).toBeGreaterThanOrEqual(38);
    },
  );
});
