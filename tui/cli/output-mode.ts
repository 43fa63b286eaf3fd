/**
 * How a command talks to its caller, decided once per run:
 * - `json`: exactly one JSON document on stdout (also on failure), diagnostics on stderr;
 * - `interactive`: a TTY and not CI: Ink views may render;
 * - `plain`: no TTY or CI: plain lines, no colour, spinners or cursor codes, never a prompt.
 */
export type OutputMode = "json" | "interactive" | "plain";

export interface TerminalFacts {
  json: boolean;
  stdoutIsTTY: boolean;
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export function decideOutputMode(facts: TerminalFacts): OutputMode {
  if (facts.json) return "json";
  const ci =
    facts.env.CI !== undefined && facts.env.CI !== "" && facts.env.CI !== "false" && facts.env.CI !== "0";
  if (ci || !facts.stdoutIsTTY || !facts.stdinIsTTY || facts.env.TERM === "dumb") return "plain";
  return "interactive";
}

/** Colour only in interactive mode and never with NO_COLOR (https://no-color.org). */
export const colourEnabled = (mode: OutputMode, env: NodeJS.ProcessEnv): boolean =>
  mode === "interactive" && (env.NO_COLOR === undefined || env.NO_COLOR === "");
