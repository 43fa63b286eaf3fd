import { execFile } from "node:child_process";
import ffmpeg from "fluent-ffmpeg";
import { AppError, type ErrorName } from "../../contracts/errors.js";

/**
 * The one place that starts ffmpeg and ffprobe processes. Callers build arguments with the pure
 * functions in args.ts; this module owns the process: timeout, cancellation (AbortSignal), progress and
 * the stderr tail that ends every error message.
 *
 * ffmpeg runs through fluent-ffmpeg (the design's chosen wrapper) as a pass-through: the whole argument
 * list is handed over verbatim (`outputOptions(...args)` with several arguments never splits on spaces),
 * fluent-ffmpeg adds only `-y`. ffprobe runs directly: fluent-ffmpeg's ffprobe parses the flat text
 * format and drops side data (rotation), so we ask for JSON.
 */

export interface RunFfmpegOptions {
  readonly ffmpegPath: string;
  /** Hard limit; the process is killed (SIGKILL) after it. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Media duration, to turn ffmpeg's `time=` into a percent. */
  readonly durationSeconds?: number;
  readonly onProgress?: (percent: number) => void;
  /** Registry name of the error thrown when ffmpeg fails. */
  readonly errorName?: ErrorName;
  /** What the run does, for messages ("transcode", "sprites"). */
  readonly label?: string;
  readonly cwd?: string;
}

export interface RunFfmpegResult {
  readonly stderrTail: string;
  readonly elapsedMs: number;
}

const STDERR_TAIL_LINES = 12;

/** Runs ffmpeg with `args`; the last element is the (first) output. Resolves when ffmpeg exits 0. */
export function runFfmpeg(args: readonly string[], options: RunFfmpegOptions): Promise<RunFfmpegResult> {
  const label = options.label ?? "ffmpeg";
  const errorName = options.errorName ?? "TRANSCODE_FAILED";
  if (args.length < 3) throw new TypeError("runFfmpeg: expected a full argument list ending in an output");
  const started = Date.now();
  const tail: string[] = [];
  const tailText = () => tail.join("\n");

  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(abortError(label, options.signal));
      return;
    }
    const command = toFluentCommand(
      ffmpeg({ cwd: options.cwd, stdoutLines: 0 }).setFfmpegPath(options.ffmpegPath),
      args,
    );
    let settled = false;
    const finish = (err: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (err) reject(err);
      else resolve({ stderrTail: tailText(), elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(() => {
      command.kill("SIGKILL");
      finish(
        new AppError(
          errorName,
          `${label}: ffmpeg ran past its ${Math.round(options.timeoutMs / 1000)} s limit\n${tailText()}`,
        ),
      );
    }, options.timeoutMs);
    const onAbort = () => {
      command.kill("SIGKILL");
      finish(abortError(label, options.signal));
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });

    // Progress from ffmpeg's own stats lines (`... time=00:00:04.00 ...`). fluent-ffmpeg's "progress"
    // event would ffprobe the inputs first, and our inputs live inside the argument list.
    const duration = options.durationSeconds ?? 0;
    command.on("stderr", (line: string) => {
      const seconds = parseStatsTime(line);
      if (seconds !== undefined) {
        if (options.onProgress && duration > 0)
          options.onProgress(Math.min(100, Math.max(0, (seconds / duration) * 100)));
        return;
      }
      tail.push(line);
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
    });
    command.on("error", (err: Error) => {
      const missing = /ENOENT|Cannot find ffmpeg/i.test(err.message);
      finish(
        missing
          ? new AppError("DEPENDENCY_MISSING", `${label}: ffmpeg not found at ${options.ffmpegPath}`, {
              cause: err,
            })
          : new AppError(errorName, `${label}: ${firstLine(err.message)}\n${tailText()}`, { cause: err }),
      );
    });
    command.on("end", () => finish(undefined));
    command.run();
  });
}

export interface RunFfprobeOptions {
  readonly ffprobePath: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** Runs ffprobe and returns its stdout. Failures carry ffprobe's stderr tail (caller picks the error name). */
export function runFfprobe(args: readonly string[], options: RunFfprobeOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      options.ffprobePath,
      [...args],
      {
        timeout: options.timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: 16 * 1024 * 1024,
        signal: options.signal,
      },
      (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout);
          return;
        }
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT") {
          reject(
            new AppError("DEPENDENCY_MISSING", `ffprobe not found at ${options.ffprobePath}`, { cause: err }),
          );
          return;
        }
        reject(new FfprobeError(lastLines(String(stderr), 6) || firstLine(err.message), { cause: err }));
      },
    );
  });
}

/** ffprobe could not read the input; `message` is its stderr tail. */
export class FfprobeError extends Error {
  override readonly name = "FfprobeError";
}

/**
 * Maps an argument list onto fluent-ffmpeg without changing it: each `-i <input>` becomes an input with
 * the options before it (so fluent-ffmpeg's format checks see input formats as inputs), everything after
 * the last input becomes the options of the last output, passed verbatim (several arguments: no splitting
 * on spaces). fluent-ffmpeg prints `-y` before the outputs; we add `-nostdin`.
 */
export function toFluentCommand(
  command: ffmpeg.FfmpegCommand,
  args: readonly string[],
): ffmpeg.FfmpegCommand {
  const lastInput = args.lastIndexOf("-i");
  let pending: string[] = [];
  for (let i = 0; i <= lastInput; i++) {
    const arg = args[i] as string;
    if (arg !== "-i") {
      pending.push(arg);
      continue;
    }
    command.input(args[++i] as string);
    if (pending.length === 1 && (pending[0] as string).includes(" ")) {
      throw new TypeError(`runFfmpeg: a lone input option with a space would be split: ${pending[0]}`);
    }
    if (pending.length > 0) command.inputOptions(...(pending as [string, ...string[]]));
    pending = [];
  }
  const rest = args.slice(lastInput < 0 ? 0 : lastInput + 2);
  const output = rest.pop();
  if (output === undefined) throw new TypeError("runFfmpeg: the argument list must end with an output");
  return command.output(output).outputOptions("-nostdin", ...rest);
}

/** `frame=  120 fps= 60 ... time=00:01:02.50 bitrate=...` -> 62.5; undefined for other lines. */
export function parseStatsTime(line: string): number | undefined {
  const match = /(?:^|\s)time=\s*(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(line);
  if (!match || match[1] === "-") return undefined;
  return Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]);
}

function abortError(label: string, signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new AppError("INVOCATION_TIMEOUT", `${label}: cancelled`);
}

const firstLine = (text: string): string => text.split("\n")[0] ?? text;
const lastLines = (text: string, count: number): string => text.trim().split("\n").slice(-count).join("\n");
