import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { makeRenderHandler } from "../../handlers/render/handler.js";
import { prepareProducerRuntime } from "../../handlers/render/runtime.js";
import {
  fixtureDir,
  probeMedia,
  psnr,
  renderInProcess,
  runPipeline,
  startLocalS3,
  uploadProject,
} from "./harness.js";

/**
 * The render eval, in the spirit of HyperFrames' smoke script: one fixture through the render handler
 * (Plan -> Map of RenderChunk -> Assemble over a local S3 server) at 1, 2 and 4 chunks, each scored by
 * PSNR against the producer's in-process render. Rows {chunks, wallMs, psnr} go to
 * bench/results/render-eval.json.
 *
 *   npm run bench -- render-eval [fixture] [--concurrency N]
 */
export async function main(args: string[]): Promise<void> {
  const fixture = args.find((arg) => !arg.startsWith("--")) ?? "title-card";
  const concurrencyFlag = args.indexOf("--concurrency");
  const concurrency = concurrencyFlag >= 0 ? Number(args[concurrencyFlag + 1]) : 2;
  const scratch = await mkdtemp(join(tmpdir(), "render-eval-"));
  const s3 = await startLocalS3(join(scratch, "s3"));
  try {
    await prepareProducerRuntime();
    const handler = makeRenderHandler({ s3: s3.client });
    const projectUri = await uploadProject(s3, fixtureDir(fixture), scratch);
    const baseline = join(scratch, "in-process.mp4");
    const t0 = Date.now();
    await renderInProcess(fixtureDir(fixture), baseline);
    const inProcessMs = Date.now() - t0;
    const { frames } = await probeMedia(baseline);
    const rows: Array<{
      chunks: number;
      wallMs: number;
      psnr: number;
      psnrMin: number;
      planMs: number;
      chunksMs: number;
      assembleMs: number;
    }> = [];
    for (const chunks of [1, 2, 4]) {
      const out = join(scratch, `c${chunks}.mp4`);
      const result = await runPipeline({
        handler,
        s3,
        projectUri,
        jobId: `eval-${chunks}`,
        config: { chunkSize: Math.max(10, Math.ceil(frames / chunks)) },
        chunkConcurrency: concurrency,
        downloadTo: out,
      });
      const score = await psnr(out, baseline, scratch);
      rows.push({
        chunks: result.plan.ChunkCount,
        wallMs: result.timings.totalMs,
        psnr: round(score.avg),
        psnrMin: round(score.min),
        planMs: result.timings.planMs,
        chunksMs: result.timings.chunksMs,
        assembleMs: result.timings.assembleMs,
      });
    }
    const results = {
      fixture,
      frames,
      concurrency,
      inProcessMs,
      target: "local",
      rows,
      measuredAt: new Date().toISOString(),
    };
    const file = resolve(import.meta.dirname, "../results/render-eval.json");
    await mkdir(resolve(file, ".."), { recursive: true });
    await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(
      `\nrender eval (${fixture}, ${frames} frames, ${concurrency} concurrent chunks; in-process ${inProcessMs} ms)`,
    );
    for (const row of rows) {
      console.log(
        `  ${row.chunks} chunk(s): ${row.wallMs} ms (${(inProcessMs / row.wallMs).toFixed(2)}x in-process), PSNR avg ${row.psnr} dB, min ${row.psnrMin} dB`,
      );
    }
    console.log(`wrote ${file}`);
  } finally {
    await s3.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

const round = (value: number): number => Math.round(value * 100) / 100;
