import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unpackedChromium } from "../../../local/chromium.js";
import { nodeBinary } from "../../../local/node-binary.js";

/**
 * Render workers share one temp folder locally. @sparticuz/chromium's own unpack returns the binary's
 * path as soon as the file exists (half-written: `spawn ETXTBSY`); the local cloud's unpack publishes a
 * folder only once complete, whoever wins a concurrent start.
 */

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "chromium-unpack-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("unpackedChromium", () => {
  it("gives concurrent callers the same complete binary and leaves no staging folder", async () => {
    const [first, second] = await Promise.all([
      unpackedChromium(nodeBinary(), root),
      unpackedChromium(nodeBinary(), root),
    ]);
    expect(second).toBe(first);
    expect((await readdir(root)).filter((name) => name.includes(".staging-"))).toEqual([]);
    const { stdout } = await promisify(execFile)(first, ["--headless", "--no-sandbox", "--version"]);
    expect(stdout).toMatch(/^Chromium \d+\./);
    // The sibling files Chromium loads from its own folder are there too.
    expect(await readdir(join(first, ".."))).toEqual(expect.arrayContaining(["fonts", "libGLESv2.so"]));
    // Later callers take it as it is.
    expect(await unpackedChromium(nodeBinary(), root)).toBe(first);
  }, 120_000);
});
