import { createRequire } from "node:module";
import { dirname, join } from "node:path";
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
