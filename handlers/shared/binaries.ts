import { createHash } from "node:crypto";
import { mkdirSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { ENV } from "../contracts/handler-environment.js";

const require = createRequire(import.meta.url);

/**
 * The ffmpeg and ffprobe every handler runs: FFMPEG_PATH / FFPROBE_PATH when set (the Lambda zip sets
 * them to its bundled copies, or a user's layer), else the static x86-64 builds shipped in npm packages
 * (@ffmpeg-installer/linux-x64, ffprobe-static), the same builds the Lambda zip carries. Never the
 * system's ffmpeg: plan, chunks and assemble must run one build.
 */
export function ffmpegPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[ENV.ffmpegPath];
  if (fromEnv) return fromEnv;
  return join(dirname(require.resolve("@ffmpeg-installer/linux-x64/package.json")), "ffmpeg");
}

export function ffprobePath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[ENV.ffprobePath];
  if (fromEnv) return fromEnv;
  return join(dirname(require.resolve("ffprobe-static/package.json")), "bin", "linux", "x64", "ffprobe");
}

/** Environment variables through which the HyperFrames producer finds ffmpeg/ffprobe. */
export const PRODUCER_FFMPEG_ENV = "HYPERFRAMES_FFMPEG_PATH";
export const PRODUCER_FFPROBE_ENV = "HYPERFRAMES_FFPROBE_PATH";

/**
 * Points the HyperFrames producer at our ffmpeg/ffprobe. Most of the producer resolves them through
 * HYPERFRAMES_FFMPEG_PATH / HYPERFRAMES_FFPROBE_PATH, but the plan's recorded ffmpeg version (checked by
 * every chunk and by assemble) comes from a bare `ffmpeg -version` on PATH, so a directory with
 * `ffmpeg` and `ffprobe` links to the same builds goes first on PATH too. Idempotent; call once per
 * process before the producer runs (it caches the version it reads).
 */
export function configureProducerBinaries(env: NodeJS.ProcessEnv = process.env): { binDir: string } {
  const ffmpeg = ffmpegPath(env);
  const ffprobe = ffprobePath(env);
  const binDir = join(
    tmpdir(),
    `hyperframes-bin-${createHash("sha256").update(`${ffmpeg}\0${ffprobe}`).digest("hex").slice(0, 12)}`,
  );
  mkdirSync(binDir, { recursive: true });
  linkInto(binDir, "ffmpeg", ffmpeg);
  linkInto(binDir, "ffprobe", ffprobe);
  env[PRODUCER_FFMPEG_ENV] = join(binDir, "ffmpeg");
  env[PRODUCER_FFPROBE_ENV] = join(binDir, "ffprobe");
  const path = env.PATH ?? "";
  if (path.split(delimiter)[0] !== binDir) env.PATH = path ? `${binDir}${delimiter}${path}` : binDir;
  return { binDir };
}

function linkInto(dir: string, name: string, target: string): void {
  const link = join(dir, name);
  try {
    if (readlinkSync(link) === target) return;
    rmSync(link, { force: true });
  } catch {
    // not there yet
  }
  try {
    symlinkSync(target, link);
  } catch (err) {
    // Another process created it between our check and our link: fine if it points at the same build.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST" || readlinkSync(link) !== target) throw err;
  }
}
