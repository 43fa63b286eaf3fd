import { execFileSync } from "node:child_process";

/** Drives a program in a detached tmux session of a fixed size, as a user at a terminal would. */
export class TmuxSession {
  private readonly socket: string;

  constructor(
    readonly name: string,
    readonly columns = 80,
    readonly rows = 24,
  ) {
    this.socket = `hf-e2e-${process.pid}-${name}`;
  }

  private tmux(...args: string[]): string {
    return execFileSync("tmux", ["-L", this.socket, ...args], { encoding: "utf8" });
  }

  start(command: string, env: Record<string, string>, cwd: string): void {
    const exports = Object.entries(env)
      .map(([key, value]) => `export ${key}=${JSON.stringify(value)};`)
      .join(" ");
    this.tmux(
      "new-session",
      "-d",
      "-s",
      this.name,
      "-x",
      String(this.columns),
      "-y",
      String(this.rows),
      // A person's terminal: CI (set by the CI runner itself) would switch the CLI to plain output.
      `cd ${JSON.stringify(cwd)}; unset CI; ${exports} ${command}`,
    );
  }

  /** The visible screen; with `escapes`, including colour codes. */
  capture(escapes = false): string {
    return this.tmux("capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", this.name);
  }

  /** The screen and everything scrolled off above it. */
  captureWithScrollback(): string {
    return this.tmux("capture-pane", "-p", "-S", "-", "-t", this.name);
  }

  send(...keys: string[]): void {
    this.tmux("send-keys", "-t", this.name, ...keys);
  }

  resize(columns: number, rows: number): void {
    this.tmux("resize-window", "-t", this.name, "-x", String(columns), "-y", String(rows));
  }

  /** Polls the screen until `predicate` holds; returns every distinct screen seen on the way. */
  async waitFor(
    predicate: (screen: string) => boolean,
    timeoutMs: number,
  ): Promise<{ screen: string; seen: string[] }> {
    const seen: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.capture();
      if (seen.at(-1) !== screen) seen.push(screen);
      if (predicate(screen)) return { screen, seen };
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for the screen; last screen:\n${screen}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  kill(): void {
    try {
      this.tmux("kill-server");
    } catch {
      // already gone
    }
  }
}

export function tmuxAvailable(): boolean {
  try {
    execFileSync("tmux", ["-V"], { encoding: "utf8" });
    return true;
  } catch {
    return false;
  }
}
