import type { Writable } from "node:stream";
import type { ExitCode } from "./exit-codes.js";
import type { OutputMode } from "./output-mode.js";

export type TargetKindFlag = "local" | "aws";

/** Options every command accepts (declared once on the root program). */
export interface GlobalOptions {
  target?: string;
  json?: boolean;
  outputsFile?: string;
  region?: string;
}

/** What a command gets: how to talk to the user, the environment, and the global options. */
export interface CommandContext {
  readonly mode: OutputMode;
  readonly globals: GlobalOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: NodeJS.ReadableStream;
  /** A line on stderr: progress and warnings, never part of the JSON document. */
  diagnostic(line: string): void;
  /** Cancelled on SIGINT/SIGTERM: commands stop what they started and return. */
  readonly signal: AbortSignal;
}

/**
 * What a command returns. In `--json` mode `document` is printed as the one JSON document; otherwise
 * `lines` are printed. A failed job is an outcome (document with `status` and `error`), not a throw.
 */
export interface CommandOutcome {
  document: Record<string, unknown>;
  lines: string[];
  exitCode: ExitCode;
}

export const ok = (document: Record<string, unknown>, lines: string[]): CommandOutcome => ({
  document,
  lines,
  exitCode: 0,
});
