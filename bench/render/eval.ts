import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { AppError } from "../../handlers/contracts/errors.js";
import { prepareProducerRuntime } from "../../handlers/render/runtime.js";
import type { CommandContext, GlobalOptions } from "../../tui/cli/command-context.js";
import { type RenderJobResult, runRenderJob } from "../../tui/jobs/render-job.js";
import { type Connection, connect } from "../../tui/target/connect.js";
import { resolveTargetKind, type TargetKind } from "../../tui/target/target-kind.js";
import { fixtureDir, probeMedia, psnr, renderInProcess } from "./harness.js";

/**
 * The render eval, in the spirit of HyperFrames' smoke script, through the code path users use: the
 * `render` command's job (tui/jobs/render-job.ts: pack, upload, StartExecution, follow the history,
 * download) against a target from tui/target/connect.ts. By default that is a local cloud started
 * in-process in a temp data folder and stopped at the end; `--target aws` (with `--outputs-file` or the
 * HYPERFRAMES_* env, same rules as the CLI) renders on the deployed stack. For each chunk count n the
 * job runs with chunkSize = ceil(totalFrames / n) and maxParallelChunks = n; its output is scored by PSNR
 * against the producer's in-process render of the same fixture (rendered here, locally).
 *
 *   npm run bench -- render-eval [--fixture title-card] [--chunk-counts 1,2,4] [--target local|aws]
 *     [--outputs-file <file>] [--region <region>] [--no-warmup]
 *
 * Rows {target, fixture, chunks, chunkSize, wallMs, psnrAvg, psnrMin, frames, status} go to
 * bench/results/render-eval.json (rows of the other target, from an earlier run, are kept).
 */

export interface EvalRow {
  target: TargetKind;
  fixture: string;
  /** Chunks the plan made (normally the requested count). */
  chunks: number;
  chunkSize: number;
  /** The whole job as a user waits for it: pack, upload, run, download. */
  wallMs: number;
  psnrAvg: number | null;
  psnrMin: number | null;
  frames: number | null;
  status: string;
  error?: string;
}

interface EvalOptions {
  fixture: string;
  chunkCounts: number[];
  globals: GlobalOptions;
  warmup: boolean;
}

const RESULTS_FILE = resolve(import.meta.dirname, "../results/render-eval.json");
const REPO_ROOT = resolve(import.meta.dirname, "../..");

function flagValue(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index < 0) return undefined;
  const value = args[index + 1];
  if (value === undefined || value.startsWith("--"))
    throw new AppError("USAGE_ERROR", `${name} needs a value`);
  return value;
}

export function parseEvalArgs(args: string[]): EvalOptions {
  const counts = flagValue(args, "--chunk-counts") ?? "1,2,4";
  const chunkCounts = counts.split(",").map((text) => Number(text.trim()));
  if (chunkCounts.length === 0 || chunkCounts.some((n) => !Number.isInteger(n) || n < 1))
    throw new AppError("USAGE_ERROR", `--chunk-counts must be positive whole numbers, got ${counts}`);
  const target = flagValue(args, "--target");
  const outputsFile = flagValue(args, "--outputs-file");
  const region = flagValue(args, "--region");
  return {
    fixture: flagValue(args, "--fixture") ?? "title-card",
    chunkCounts,
    globals: {
      ...(target !== undefined ? { target } : {}),
      ...(outputsFile !== undefined ? { outputsFile } : {}),
      ...(region !== undefined ? { region } : {}),
    },
    warmup: !args.includes("--no-warmup"),
  };
}

/** The part of a CommandContext that connect() and the job read; output goes to stderr as diagnostics. */
function benchContext(globals: GlobalOptions, env: NodeJS.ProcessEnv, signal: AbortSignal): CommandContext {
  return {
    mode: "plain",
    globals,
    env,
    cwd: REPO_ROOT,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    diagnostic: (line) => console.error(`  [target] ${line}`),
    signal,
  };
}

const round = (value: number): number => Math.round(value * 100) / 100;

async function scoredRow(
  options: { target: TargetKind; fixture: string; chunkSize: number; requested: number },
  result: RenderJobResult,
  baseline: string,
  scratch: string,
): Promise<EvalRow> {
  const row: EvalRow = {
    target: options.target,
    fixture: options.fixture,
    chunks: result.model.chunkCount ?? options.requested,
    chunkSize: options.chunkSize,
    wallMs: result.wallTimeMs,
    psnrAvg: null,
    psnrMin: null,
    frames: null,
    status: result.status,
  };
  if (!result.output) {
    row.error = `${result.error?.name}: ${result.error?.message}`;
    return row;
  }
  const score = await psnr(result.output.path, baseline, scratch);
  row.psnrAvg = round(score.avg);
  row.psnrMin = round(score.min);
  row.frames = (await probeMedia(result.output.path)).frames;
  return row;
}

/** Rows of the other targets from an earlier run, so local and AWS figures sit side by side. */
async function otherTargetRows(target: TargetKind): Promise<EvalRow[]> {
  try {
    const previous = JSON.parse(await readFile(RESULTS_FILE, "utf8")) as { rows?: unknown };
    if (!Array.isArray(previous.rows)) return [];
    return (previous.rows as EvalRow[]).filter(
      (row) => typeof row.target === "string" && row.target !== target && "psnrAvg" in row,
    );
  } catch {
    return [];
  }
}

function printTable(rows: EvalRow[], inProcessMs: number): void {
  const reference = rows.find((row) => row.chunks === 1 && row.status === "SUCCEEDED") ?? rows[0];
  const header = [
    "chunks",
    "chunkSize",
    "wall s",
    "vs 1 chunk",
    "vs in-process",
    "PSNR avg/min dB",
    "frames",
    "status",
  ];
  const lines = rows.map((row) => [
    String(row.chunks),
    String(row.chunkSize),
    (row.wallMs / 1000).toFixed(1),
    reference ? `${(row.wallMs / reference.wallMs).toFixed(2)}x` : "-",
    `${(row.wallMs / inProcessMs).toFixed(2)}x`,
    row.psnrAvg === null ? "-" : `${row.psnrAvg.toFixed(2)} / ${row.psnrMin?.toFixed(2)}`,
    row.frames === null ? "-" : String(row.frames),
    row.error ? `${row.status} (${row.error})` : row.status,
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...lines.map((line) => line[i]?.length ?? 0)),
  );
  for (const line of [header, ...lines])
    console.log(`  ${line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")}`);
  console.log(
    "  (wall time relative to the 1-chunk run and to the producer's in-process render; lower is faster)",
  );
}

export async function main(args: string[]): Promise<void> {
  let options: EvalOptions;
  try {
    options = parseEvalArgs(args);
  } catch (err) {
    console.error(`${(err as Error).name}: ${(err as Error).message}`);
    process.exitCode = 2;
    return;
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // Machine load before this run adds its own (2 shared cores: wall times are only comparable within a run).
  const loadAtStart = round(loadavg()[0] ?? 0);
  const scratch = await mkdtemp(join(tmpdir(), "render-eval-"));
  // Locally: a fresh local cloud in a temp data folder (never someone's running instance).
  const env: NodeJS.ProcessEnv = { ...process.env, HYPERFRAMES_HOME: join(scratch, "local-cloud") };
  const ctx = benchContext(options.globals, env, controller.signal);
  let connection: Connection | undefined;
  try {
    const target = resolveTargetKind(options.globals.target, env);
    // AWS: connect first so a missing target fails before anything renders (TARGET_NOT_CONFIGURED).
    // Local: Chromium first, so the local cloud's workers share the one this process unpacks.
    if (target === "aws") connection = await connect(ctx);
    await prepareProducerRuntime();
    connection ??= await connect(ctx);

    const projectDir = fixtureDir(options.fixture);
    const baseline = join(scratch, "in-process.mp4");
    console.error(`render eval: in-process baseline of ${options.fixture}`);
    const t0 = Date.now();
    await renderInProcess(projectDir, baseline);
    const inProcessMs = Date.now() - t0;
    const totalFrames = (await probeMedia(baseline)).frames;

    const job = (name: string, chunkSize: number, parallel: number) =>
      runRenderJob(
        connection as Connection,
        {
          projectDir,
          cwd: REPO_ROOT,
          config: { chunkSize, maxParallelChunks: parallel },
          outPath: join(scratch, `${name}.mp4`),
          signal: controller.signal,
        },
        { onPhase: (phase, detail) => console.error(`  ${name}: ${phase} ${detail}`) },
      );

    // One unrecorded job first, so the 1-chunk row does not also pay worker and Chromium cold starts.
    let warmupMs: number | null = null;
    if (options.warmup) {
      const warm = await job("warmup", Math.max(10, totalFrames), 1);
      warmupMs = warm.wallTimeMs;
      if (warm.status !== "SUCCEEDED")
        throw new AppError(
          "RENDER_FAILED",
          `warm-up job ${warm.status}: ${warm.error?.name}: ${warm.error?.message}`,
        );
    }

    const rows: EvalRow[] = [];
    for (const requested of options.chunkCounts) {
      if (controller.signal.aborted) break;
      const chunkSize = Math.max(10, Math.ceil(totalFrames / requested));
      const result = await job(`c${requested}`, chunkSize, requested);
      rows.push(
        await scoredRow(
          { target, fixture: options.fixture, chunkSize, requested },
          result,
          baseline,
          scratch,
        ),
      );
    }

    const document = {
      measuredAt: new Date().toISOString(),
      loadAverage1mAtStart: loadAtStart,
      runs: {
        [target]: {
          fixture: options.fixture,
          totalFrames,
          inProcessMs,
          warmupMs,
          region: connection.endpoints.region,
        },
      },
      rows: [...(await otherTargetRows(target)), ...rows],
    };
    await mkdir(resolve(RESULTS_FILE, ".."), { recursive: true });
    await writeFile(RESULTS_FILE, `${JSON.stringify(document, null, 2)}\n`);
    console.log(
      `\nrender eval: ${options.fixture} on ${target} (${totalFrames} frames; in-process render ${(inProcessMs / 1000).toFixed(1)} s${warmupMs === null ? "" : `; warm-up job ${(warmupMs / 1000).toFixed(1)} s`})`,
    );
    printTable(rows, inProcessMs);
    console.log(`wrote ${RESULTS_FILE}`);
    if (rows.some((row) => row.status !== "SUCCEEDED")) process.exitCode = 1;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    console.error(`${err.name}: ${err.message}`);
    process.exitCode = err.name === "USAGE_ERROR" ? 2 : 1;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await connection?.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
