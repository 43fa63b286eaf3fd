import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TmuxSession, tmuxAvailable } from "./tmux.js";

/**
 * `transcode` in a terminal against the local cloud: multipart upload, the media job's live view, the
 * packaged tree downloaded so it plays from disk; then `videos --json` lists the video.
 */
const ROOT = resolve(import.meta.dirname, "../../..");
const VIDEO = join(ROOT, "fixtures/videos/tiny-320x180.mp4");
const run = promisify(execFile);

describe("hyperframes-tui transcode in a terminal", () => {
  let work: string;
  let session: TmuxSession;

  beforeAll(() => {
    if (!tmuxAvailable())
      throw new Error("tmux is required for the TUI end-to-end test (apt-get install -y tmux)");
    work = mkdtempSync(join(tmpdir(), "hf-tui-e2e-media-"));
    session = new TmuxSession("transcode");
  });

  afterAll(() => {
    session?.kill();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("uploads, shows the media job, downloads a playable tree, and lists the video", async () => {
    const outDir = join(work, "tiny");
    const env = { HYPERFRAMES_HOME: join(work, "home"), NO_COLOR: "1", TERM: "xterm-256color" };
    const videoId = createHash("sha256").update(readFileSync(VIDEO)).digest("hex").slice(0, 32);
    session.start(
      `npx hyperframes-tui transcode ${VIDEO} --out-dir ${outDir}; echo "EXIT=$?"; sleep 600`,
      env,
      ROOT,
    );

    const done = await session.waitFor((screen) => screen.includes("EXIT="), 600_000);
    expect(done.screen).toContain("EXIT=0");
    expect(done.seen.some((screen) => screen.includes(`job ${videoId}`) && screen.includes("media"))).toBe(
      true,
    );
    expect(done.screen.replace(/\n/g, "")).toContain("master.m3u8");
    for (const file of ["master.m3u8", "status.json", "poster.jpg", "thumbnails/thumbnails.vtt"]) {
      expect(existsSync(join(outDir, file)), file).toBe(true);
    }
    const master = readFileSync(join(outDir, "master.m3u8"), "utf8");
    const firstPlaylist = master.split("\n").find((line) => line.endsWith(".m3u8"));
    expect(firstPlaylist && existsSync(join(outDir, firstPlaylist))).toBe(true);

    const { stdout } = await run("npx", ["hyperframes-tui", "videos", "--json"], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    const listed = JSON.parse(stdout) as {
      videos: Array<{ videoId: string; status: string; playback: { hls?: string } }>;
    };
    expect(listed.videos).toContainEqual(
      expect.objectContaining({
        videoId,
        status: "processing_complete",
        playback: expect.objectContaining({
          hls: expect.stringContaining(`processed/${videoId}/master.m3u8`),
        }),
      }),
    );
  });
});
