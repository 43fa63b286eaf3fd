import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TmuxSession, tmuxAvailable } from "./tmux.js";

/**
 * The real binary in a real terminal (tmux, 80x24, NO_COLOR) against the local cloud: start a render
 * of a fixture, watch the chunk grid fill, open the history, go back, see completion and the output.
 */
const ROOT = resolve(import.meta.dirname, "../../..");
const GRID_LINE = /^[#>.r2-9X+]{6}$/m;
/** SGR foreground colours (30-37, 90-97, 38;...); 39 is "default colour" and allowed. */
const FOREGROUND_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[(3[0-7]|9[0-7]|38;)`);

describe("hyperframes-tui render in a terminal", () => {
  let work: string;
  let session: TmuxSession;

  beforeAll(() => {
    if (!tmuxAvailable())
      throw new Error("tmux is required for the TUI end-to-end test (apt-get install -y tmux)");
    work = mkdtempSync(join(tmpdir(), "hf-tui-e2e-"));
    session = new TmuxSession("render");
  });

  afterAll(() => {
    session?.kill();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("shows the live job view, the history, then the output path", async () => {
    const out = join(work, "title-card.mp4");
    session.start(
      `npx hyperframes-tui render fixtures/compositions/title-card --chunk-size 10 --max-parallel 2 --out ${out}; echo "EXIT=$?"; sleep 600`,
      { HYPERFRAMES_HOME: join(work, "home"), NO_COLOR: "1", TERM: "xterm-256color" },
      ROOT,
    );

    // The job view appears with its chunk grid (6 chunks of 10 frames), queued or running first.
    const first = await session.waitFor(
      (screen) => screen.includes("chunks 6:") && GRID_LINE.test(screen),
      300_000,
    );
    expect(first.screen).toMatch(/render RUNNING/);
    expect(first.screen).toMatch(/\[[#-]+\] \d+% frames \d+\/60/);
    expect(first.screen).toContain("h history  c cancel  esc back  q quit");
    expect(session.capture(true)).not.toMatch(FOREGROUND_COLOUR); // NO_COLOR

    // The grid fills: at some point some chunks are done while others are not.
    const filling = await session.waitFor(
      (screen) => /^(?=.*#)(?=.*[>.])[#>.r2-9]{6}$/m.test(screen) || screen.includes("SUCCEEDED"),
      600_000,
    );
    expect(filling.seen.some((screen) => /^(?=.*#)(?=.*[>.])[#>.r2-9]{6}$/m.test(screen))).toBe(true);

    // The history, filtered to one state, then back.
    session.send("h");
    const history = await session.waitFor((screen) => screen.includes("history:"), 30_000);
    expect(history.screen).toContain("ExecutionStarted");
    expect(history.screen).toContain("TaskScheduled");
    session.send("Escape");
    await session.waitFor((screen) => screen.includes("chunks 6:"), 30_000);

    // A smaller terminal: the view re-lays itself out and keeps the key help.
    session.resize(60, 20);
    const small = await session.waitFor(
      (screen) => screen.split("\n").some((line) => line.startsWith("h history")),
      30_000,
    );
    expect(small.screen.split("\n").every((line) => line.length <= 60)).toBe(true);

    // Completion: every chunk done, then the command's summary with the output path.
    const done = await session.waitFor((screen) => screen.includes("EXIT="), 900_000);
    expect(done.screen).toContain("EXIT=0");
    // The view's last frame (every chunk done, SUCCEEDED), then the command's summary with the output.
    // The frame may scroll off before a poll sees it, so it is looked for in the scrollback too.
    const finalFrames = [...done.seen, session.captureWithScrollback()];
    expect(finalFrames.some((screen) => /^#{6}$/m.test(screen) && screen.includes("render SUCCEEDED"))).toBe(
      true,
    );
    expect(done.screen).toMatch(/SUCCEEDED r\d{8}t\d{6}-[0-9a-f]{8}:/);
    expect(done.screen.replace(/\n/g, "")).toContain(out.slice(-40));
    expect(existsSync(out) && statSync(out).size > 0).toBe(true);
    const jobId = /r\d{8}t\d{6}-[0-9a-f]{8}/.exec(done.screen)?.[0];
    expect(jobId).toBeDefined();

    // The interactive UI (no command) lists the job; enter opens it, h its history, q quits.
    const ui = new TmuxSession("ui");
    try {
      ui.start(
        `npx hyperframes-tui; echo "EXIT=$?"; sleep 600`,
        { HYPERFRAMES_HOME: join(work, "home"), NO_COLOR: "1", TERM: "xterm-256color" },
        ROOT,
      );
      const jobs = await ui.waitFor((screen) => screen.includes(jobId ?? "?"), 120_000);
      expect(jobs.screen).toContain("enter open  n new job  v videos");
      expect(jobs.screen).toMatch(/render SUCCEEDED\s+100%/);
      ui.send("Enter");
      const view = await ui.waitFor((screen) => /^#{6}$/m.test(screen), 60_000);
      expect(view.screen).toContain("title-card.mp4");
      ui.send("h");
      await ui.waitFor((screen) => screen.includes("history:"), 30_000);
      ui.send("e");
      const errorsOnly = await ui.waitFor((screen) => screen.includes("(errors only)"), 30_000);
      // Real runs may retry chunks (a worker killed on a loaded machine): only error events remain.
      const [, shown, total] = /history: (\d+) of (\d+) events/.exec(errorsOnly.screen) ?? [];
      expect(Number(shown)).toBeLessThan(Number(total));
      const rows = errorsOnly.screen.split("\n").filter((line) => /^\s+\d+ \d\d:\d\d:\d\d /.test(line));
      expect(rows.every((line) => /Failed|TimedOut/.test(line))).toBe(true);
      ui.send("q");
      expect((await ui.waitFor((screen) => screen.includes("EXIT="), 30_000)).screen).toContain("EXIT=0");
    } finally {
      ui.kill();
    }
  });
});
