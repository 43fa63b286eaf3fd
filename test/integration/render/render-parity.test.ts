import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assembleDirect,
  directPlanDir,
  downloadS3Uri,
  fixtureDir,
  type LocalS3,
  type MediaFacts,
  planContentDigests,
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
 * For each fixture at 1, 2 and 4 chunks, through the handler against a real s3rver, compared with the
 * producer's own planV2/renderChunkV2/assembleV2 run directly with the same config:
 * - the plan's content-addressed artifacts are identical (compiled project, extracted video frames,
 *   audio, encoder/chunk metadata);
 * - the producer's assembleV2 over the handler's chunks gives the handler's output byte for byte;
 * - chunks and output are byte-identical, except for projects with a `<video>` element: there the
 *   producer itself is not deterministic (docs/render.md "Determinism"): about 1 renderChunkV2 run in
 *   11 of one plan dir captures its chunk's first frame from the page as it was before the seek (t = 0:
 *   caption hidden, the native <video>'s first frame), and about 1 in 100 also its second frame one
 *   capture late. No producer setting removes it, so for these projects the chunk bytes are not
 *   compared, and the PSNR bounds below apply to every frame except the first LAG_FRAMES of each chunk
 *   (reported separately);
 * and against the producer's in-process render: PSNR avg >= 45 dB, min >= 38 dB, same frame count and
 * duration, audio where the project has audio. One in-process baseline per fixture is shared.
 */

const FIXTURES = [
  { name: "title-card", audio: false, deterministic: true },
  { name: "audio-pulse", audio: true, deterministic: true },
  { name: "video-frame", audio: false, deterministic: false },
] as const;
const CHUNK_COUNTS = [1, 2, 4] as const;
const TOTAL_FRAMES = 60; // every fixture is 2 s at 30 fps
/** How many leading frames of a `<video>` chunk the upstream capture lag reached (docs/render.md). */
const LAG_FRAMES = 2;

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

describe.each(FIXTURES)("$name through the render handler", ({ name, audio, deterministic }) => {
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
    "at %i chunk(s) matches the producer's own distributed run and its in-process render",
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
      const planDir = directPlanDir(join(dir, "direct"));
      const handlerManifest = JSON.parse(
        Buffer.from(
          await downloadS3Uri(s3, viaHandler.plan.PlanV2ManifestS3Uri, join(dir, "handler-plan.json")),
        ).toString("utf8"),
      );
      const directManifest = JSON.parse(await readFile(join(planDir, "plan.json"), "utf8"));
      expect(planContentDigests(handlerManifest)).toEqual(planContentDigests(directManifest));

      const handlerBytes = await readFile(viaHandler.outputPath);
      expect(viaHandler.assemble.Sha256).toBe(sha256Hex(handlerBytes));
      const handlerChunkPaths: string[] = [];
      for (const chunk of viaHandler.chunks) {
        const path = join(dir, `handler-chunk-${chunk.ChunkIndex}.mp4`);
        expect(sha256Hex(await downloadS3Uri(s3, chunk.ChunkS3Uri, path))).toBe(chunk.Sha256);
        handlerChunkPaths.push(path);
      }
      const reassembled = join(dir, "reassembled.mp4");
      await assembleDirect(planDir, handlerChunkPaths, reassembled);
      expect(sha256Hex(await readFile(reassembled))).toBe(sha256Hex(handlerBytes));

      if (deterministic) {
        expect(viaHandler.chunks.map((chunk) => chunk.Sha256)).toEqual(directChunkShas);
        expect(sha256Hex(handlerBytes)).toBe(sha256Hex(await readFile(direct)));
      }

      const facts = await probeMedia(viaHandler.outputPath);
      expect(facts.frames).toBe(TOTAL_FRAMES);
      expect(facts.frames).toBe(baselineFacts.frames);
      expect(Math.abs(facts.durationSeconds - baselineFacts.durationSeconds)).toBeLessThan(0.05);
      expect(facts.hasAudio).toBe(audio);
      expect(baselineFacts.hasAudio).toBe(audio);

      const score = await psnr(viaHandler.outputPath, baseline, dir);
      const inChunkLead = (frame: number) => frame % chunkSize < LAG_FRAMES;
      const checked = deterministic
        ? score.perFrame
        : score.perFrame.filter((_value, frame) => !inChunkLead(frame));
      const avg = checked.reduce((sum, value) => sum + value, 0) / checked.length;
      const min = Math.min(...checked);
      report.push({
        fixture: name,
        chunks,
        psnrAvg: Number(avg.toFixed(2)),
        psnrMin: Number(min.toFixed(2)),
        frames: score.frames,
        ...(deterministic
          ? {}
          : { chunkLeadingFrames: score.perFrame.filter((_value, frame) => inChunkLead(frame)) }),
      });
      expect(score.frames).toBe(TOTAL_FRAMES);
      expect(checked.length).toBe(deterministic ? TOTAL_FRAMES : TOTAL_FRAMES - chunks * LAG_FRAMES);
      expect(avg).toBeGreaterThanOrEqual(45);
      expect(min).toBeGreaterThanOrEqual(38);
    },
  );
});
