import { execFile } from "node:child_process";

/**
 * Offline speech-to-text with Debian's pocketsphinx (`apt-get install pocketsphinx pocketsphinx-en-us`),
 * and the conversion of its word timings to the JSON shape Amazon Transcribe writes.
 */

export const POCKETSPHINX_BINARY = "pocketsphinx_continuous";

export interface RecognizedWord {
  word: string;
  start: number;
  end: number;
  confidence: number;
}

/** Fillers pocketsphinx emits that are not words. */
const NON_WORDS = new Set([
  "<s>",
  "</s>",
  "<sil>",
  "(NULL)",
  "[NOISE]",
  "[SPEECH]",
  "[BREATH]",
  "[COUGH]",
  "[UM]",
  "[UH]",
]);

/** Parses `pocketsphinx_continuous -time yes` stdout: `word start end confidence` lines. */
export function parsePocketsphinxTimings(stdout: string): RecognizedWord[] {
  const words: RecognizedWord[] = [];
  for (const line of stdout.split("\n")) {
    const match = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(line.trim());
    if (!match) continue;
    const [, raw, start, end, confidence] = match;
    if (!raw || NON_WORDS.has(raw) || /^\[.*\]$/.test(raw)) continue;
    words.push({
      word: raw.replace(/\(\d+\)$/, ""),
      start: Number(start),
      end: Number(end),
      confidence: Number(confidence),
    });
  }
  return words;
}

/** The Amazon Transcribe output document for `words`. */
export function toTranscribeResult(jobName: string, words: readonly RecognizedWord[]) {
  return {
    jobName,
    accountId: "000000000000",
    status: "COMPLETED",
    results: {
      transcripts: [{ transcript: words.map((w) => w.word).join(" ") }],
      items: words.map((w) => ({
        type: "pronunciation",
        start_time: w.start.toFixed(3),
        end_time: w.end.toFixed(3),
        alternatives: [{ confidence: w.confidence.toFixed(4), content: w.word }],
      })),
    },
  };
}

export interface PocketsphinxOptions {
  binary?: string;
  /** A JSGF grammar file: recognition restricted to it (deterministic for tests). */
  grammarPath?: string;
  timeoutMs?: number;
}

/** Runs pocketsphinx on a 16 kHz mono WAV. Rejects with `code: "ENOENT"` when it is not installed. */
export function recognize(wavPath: string, options: PocketsphinxOptions = {}): Promise<RecognizedWord[]> {
  const args = ["-infile", wavPath, "-time", "yes", "-logfn", "/dev/null"];
  if (options.grammarPath) args.push("-jsgf", options.grammarPath);
  return new Promise((resolve, reject) => {
    execFile(
      options.binary ?? POCKETSPHINX_BINARY,
      args,
      { timeout: options.timeoutMs ?? 600_000, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const wrapped = new Error(
            `pocketsphinx failed: ${String(stderr).trim().split("\n").slice(-3).join(" ") || err.message}`,
            {
              cause: err,
            },
          );
          Object.assign(wrapped, { code: (err as NodeJS.ErrnoException).code });
          reject(wrapped);
          return;
        }
        resolve(parsePocketsphinxTimings(stdout));
      },
    );
  });
}
