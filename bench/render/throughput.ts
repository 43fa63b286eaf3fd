import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { s3Uri } from "../../handlers/contracts/bucket-layout.js";
import { RENDER_LIMITS } from "../../handlers/contracts/render-config.js";
import {
  type AssembleResult,
  assembleEventFor,
  type PlanResult,
  type RenderChunkResult,
  renderChunkEventFor,
} from "../../handlers/contracts/render-events.js";
import { makeRenderHandler } from "../../handlers/render/handler.js";
import { prepareProducerRuntime } from "../../handlers/render/runtime.js";
import { mapLimit } from "../../handlers/render/s3-transport.js";
import { currentDescendants } from "../../handlers/shared/process-tree.js";
import { CoreAllocator, onOneCore } from "../../local/workers/cpu-pinning.js";
import { type LocalS3, probeMedia, psnr, renderInProcess, startLocalS3, uploadProject } from "./harness.js";

/**
 * Same composition, same run: a generated 30 s 1280x720 composition at the default chunk size (240
 * frames -> 4 chunks), rendered (a) by the producer in-process, (b) through the render handler with 1
 * chunk worker at a time, (c) with 2 concurrent chunk workers. Chunk workers are separate processes
 * (bench/render/chunk-worker.ts, like Lambda workers) on one core each, as the local cloud runs them;
 * Plan and Assemble run in this process. Prints ratios and writes bench/results/render-throughput.json.
 *
 *   npm run bench -- render-throughput [--seconds 30]
 */

const WORKER = fileURLToPath(new URL("./chunk-worker.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");

export async function main(args: string[]): Promise<void> {
  const secondsFlag = args.indexOf("--seconds");
  const seconds = secondsFlag >= 0 ? Number(args[secondsFlag + 1]) : 30;
  const scratch = await mkdtemp(join(tmpdir(), "render-throughput-"));
  const s3 = await startLocalS3(join(scratch, "s3"));
  try {
    await prepareProducerRuntime();
    const project = join(scratch, "project");
    await writeComposition(project, seconds);
    const projectUri = await uploadProject(s3, project, scratch);

    const t0 = Date.now();
    const inProcessOut = join(scratch, "in-process.mp4");
    await renderInProcess(project, inProcessOut);
    const inProcessMs = Date.now() - t0;

    const one = await distributed(s3, projectUri, 1, join(scratch, "w1.mp4"));
    const two = await distributed(s3, projectUri, 2, join(scratch, "w2.mp4"));
    const facts = await probeMedia(two.output);
    const score = await psnr(two.output, inProcessOut, scratch);

    const results = {
      composition: {
        width: 1280,
        height: 720,
        fps: 30,
        seconds,
        frames: facts.frames,
        chunkSize: RENDER_LIMITS.defaultChunkSize,
        chunks: two.chunks,
      },
      inProcessMs,
      oneWorker: one.summary,
      twoWorkers: two.summary,
      throughput2v1: round(one.summary.chunkPhaseMs / two.summary.chunkPhaseMs),
      throughput2v1EndToEnd: round(one.summary.totalMs / two.summary.totalMs),
      shareOutsideChunkWork2: round4((two.summary.totalMs - two.summary.chunkPhaseMs) / two.summary.totalMs),
      ratioToInProcess2: round(inProcessMs / two.summary.totalMs),
      ratioToInProcess1: round(inProcessMs / one.summary.totalMs),
      peakWorkerRssMb: Math.max(...one.peaks, ...two.peaks),
      identicalOutputs: one.summary.outputSha256 === two.summary.outputSha256,
      psnrVsInProcess: { avg: round(score.avg), min: round(score.min) },
      cores: (await import("node:os")).availableParallelism(),
      measuredAt: new Date().toISOString(),
    };
    const file = resolve(import.meta.dirname, "../results/render-throughput.json");
    await mkdir(resolve(file, ".."), { recursive: true });
    await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`
render throughput (${seconds} s 1280x720 @30 fps, ${two.chunks} chunks of ${RENDER_LIMITS.defaultChunkSize} frames, ${results.cores} cores)
  in-process render           ${inProcessMs} ms
  distributed, 1 worker       ${one.summary.totalMs} ms (chunks ${one.summary.chunkPhaseMs} ms)
  distributed, 2 workers      ${two.summary.totalMs} ms (chunks ${two.summary.chunkPhaseMs} ms)
  2 workers vs 1              ${results.throughput2v1}x chunk phase, ${results.throughput2v1EndToEnd}x end to end (target >= 1.6x)
  outside chunk work (2 w.)   ${(results.shareOutsideChunkWork2 * 100).toFixed(1)}% (target <= 10%)
  vs in-process (2 workers)   ${results.ratioToInProcess2}x (target >= 0.8x)
  peak memory per worker      ${results.peakWorkerRssMb} MB (node + Chromium + ffmpeg)
  1 and 2 workers' outputs    ${results.identicalOutputs ? "byte-identical" : "DIFFER"}
  PSNR vs in-process          avg ${results.psnrVsInProcess.avg} dB, min ${results.psnrVsInProcess.min} dB
wrote ${file}`);
  } finally {
    await s3.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

async function distributed(s3: LocalS3, projectUri: string, workers: number, output: string) {
  const handler = makeRenderHandler({ s3: s3.client });
  const jobId = `throughput-${workers}-${Date.now()}`;
  const prefix = s3Uri(s3.bucket, `renders/${jobId}/`);
  const outputUri = s3Uri(s3.bucket, `outputs/${jobId}/out.mp4`);
  const t0 = Date.now();
  const plan = (await handler({
    Action: "plan",
    ProjectS3Uri: projectUri,
    PlanOutputS3Prefix: prefix,
    Config: {},
  })) as PlanResult;
  const t1 = Date.now();
  const peaks: number[] = [];
  const chunkResults = await mapLimit(
    Array.from({ length: plan.ChunkCount }, (_, i) => i),
    workers,
    async (index) => {
      const { result, peakRssMb } = await runWorker(s3, renderChunkEventFor(plan, index));
      peaks.push(peakRssMb);
      return result as RenderChunkResult;
    },
  );
  const t2 = Date.now();
  const assembled = (await handler(assembleEventFor(plan, outputUri))) as AssembleResult;
  const t3 = Date.now();
  const { GetObjectCommand } = await import("@aws-sdk/client-s3");
  const object = await s3.client.send(
    new GetObjectCommand({ Bucket: s3.bucket, Key: `outputs/${jobId}/out.mp4` }),
  );
  await writeFile(
    output,
    await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
  return {
    output,
    chunks: plan.ChunkCount,
    peaks,
    summary: {
      planMs: t1 - t0,
      chunkPhaseMs: t2 - t1,
      assembleMs: t3 - t2,
      totalMs: t3 - t0,
      chunkHandlerMs: chunkResults.map((chunk) => chunk.DurationMs),
      outputSha256: assembled.Sha256,
    },
  };
}

/** Chunk workers get one core each, as the local cloud's render workers do. */
const cores = new CoreAllocator();

/** Runs one event in a worker process; samples the RSS of it and its children (Chromium, ffmpeg). */
async function runWorker(s3: LocalS3, event: object): Promise<{ result: unknown; peakRssMb: number }> {
  const core = cores.take();
  const [command, argv] = onOneCore(core, process.execPath, ["--import", TSX, WORKER, JSON.stringify(event)]);
  const child = spawn(command, argv, {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      S3_FORCE_PATH_STYLE: "true",
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_REGION: "us-east-1",
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data: Buffer) => {
    stdout = (stdout + data.toString()).slice(-65536);
  });
  child.stderr.on("data", (data: Buffer) => {
    stderr = (stderr + data.toString()).slice(-8192);
  });
  let peak = 0;
  const sampler = setInterval(() => {
    if (!child.pid) return;
    peak = Math.max(peak, treeRssKb(child.pid));
  }, 200);
  const code = await new Promise<number | null>((done) => child.on("exit", done));
  clearInterval(sampler);
  cores.release(core);
  const last = stdout.trim().split("\n").at(-1) ?? "";
  const parsed = JSON.parse(last || "{}") as { ok?: boolean; result?: unknown; error?: unknown };
  if (code !== 0 || !parsed.ok)
    throw new Error(`chunk worker failed (${code}): ${JSON.stringify(parsed.error)} ${stderr}`);
  return { result: parsed.result, peakRssMb: Math.round(peak / 1024) };
}

function treeRssKb(pid: number): number {
  let total = 0;
  for (const p of [pid, ...currentDescendants(pid)]) {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return total;
}

/** A 30 s 720p composition: moving tiles, a counter and a headline, all on one GSAP timeline. */
export async function writeComposition(dir: string, seconds: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  await copyFile(
    resolve(import.meta.dirname, "../../fixtures/compositions/title-card/gsap.min.js"),
    join(dir, "gsap.min.js"),
  );
  const tiles = Array.from(
    { length: 24 },
    (_, i) =>
      `<div class="tile" id="t${i}" style="left:${60 + (i % 8) * 145}px;top:${170 + Math.floor(i / 8) * 150}px;background:hsl(${i * 15},70%,55%)"></div>`,
  ).join("\n    ");
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <style>
    html, body { margin: 0; background: #0c111d; }
    #stage { position: relative; width: 1280px; height: 720px; overflow: hidden; background: #0c111d; font-family: "Inter", sans-serif; }
    .tile { position: absolute; width: 110px; height: 110px; border-radius: 14px; }
    #headline { position: absolute; left: 60px; top: 50px; color: #f2f4f7; font-size: 56px; font-weight: 700; }
    #counter { position: absolute; right: 60px; top: 60px; color: #fdb022; font-size: 44px; }
  </style>
</head>
<body>
  <div id="stage" data-composition-id="bench" data-width="1280" data-height="720" data-start="0" data-duration="${seconds}" data-track-index="0">
    <div id="headline">Distributed render benchmark</div>
    <div id="counter">0</div>
    ${tiles}
  </div>
  <script src="gsap.min.js"></script>
  <script>
    const tl = gsap.timeline({ paused: true });
    const counter = { value: 0 };
    tl.to(counter, { value: ${seconds * 10}, duration: ${seconds}, ease: "none", onUpdate: () => { document.getElementById("counter").textContent = Math.round(counter.value); } }, 0);
    for (let i = 0; i < 24; i++) {
      tl.to("#t" + i, { rotation: 360 * (i % 2 ? 1 : -1), scale: 0.6 + (i % 5) * 0.1, borderRadius: "55px", duration: 3 + (i % 4), repeat: Math.ceil(${seconds} / 3), yoyo: true, ease: "sine.inOut" }, (i % 6) * 0.2);
    }
    tl.fromTo("#headline", { opacity: 0, x: -40 }, { opacity: 1, x: 0, duration: 1 }, 0);
    tl.to("#headline", { color: "#53b1fd", duration: 2, repeat: Math.ceil(${seconds} / 4), yoyo: true }, 1);
    tl.set({}, {}, ${seconds});
    window.__timelines = window.__timelines || {};
    window.__timelines["bench"] = tl;
  </script>
</body>
</html>
`;
  await writeFile(join(dir, "index.html"), html);
}

const round = (value: number): number => Math.round(value * 100) / 100;
const round4 = (value: number): number => Math.round(value * 10000) / 10000;
