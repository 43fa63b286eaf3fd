import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  buildLambdaZip,
  isExcludedPackageFile,
  LAMBDA_UNZIPPED_LIMIT_BYTES,
  LAMBDA_ZIP_SPECS,
  type LambdaZipSpec,
  packagedEnvironment,
} from "../../../modules/packaging/lambda-zip.js";

describe("Lambda zip specs", () => {
  it("points FFMPEG_PATH and FFPROBE_PATH at the binaries inside the zip where they are shipped", () => {
    expect(packagedEnvironment(LAMBDA_ZIP_SPECS.render)).toEqual({
      FFMPEG_PATH: "/var/task/bin/ffmpeg",
      FFPROBE_PATH: "/var/task/bin/ffprobe",
    });
    expect(packagedEnvironment(LAMBDA_ZIP_SPECS.media)).toEqual({
      FFMPEG_PATH: "/var/task/bin/ffmpeg",
      FFPROBE_PATH: "/var/task/bin/ffprobe",
    });
    expect(packagedEnvironment(LAMBDA_ZIP_SPECS.api)).toEqual({});
    expect(LAMBDA_ZIP_SPECS.render.externals).toContain("@sparticuz/chromium");
    expect(LAMBDA_UNZIPPED_LIMIT_BYTES).toBe(250 * 1024 * 1024);
  });

  it("leaves out files Lambda never loads", () => {
    expect(isExcludedPackageFile("node_modules/x/index.d.ts")).toBe(true);
    expect(isExcludedPackageFile("node_modules/x/README.md")).toBe(true);
    expect(isExcludedPackageFile("node_modules/bare-fs/prebuilds/darwin-arm64/bare-fs.bare")).toBe(true);
    expect(isExcludedPackageFile("node_modules/bare-fs/prebuilds/linux-x64/bare-fs.bare")).toBe(false);
    expect(isExcludedPackageFile("node_modules/esbuild/bin/esbuild")).toBe(true);
    expect(isExcludedPackageFile("node_modules/@esbuild/linux-x64/bin/esbuild")).toBe(false);
    expect(isExcludedPackageFile("node_modules/@sparticuz/chromium/bin/chromium.br")).toBe(false);
  });
});

describe("buildLambdaZip", () => {
  let root: string;
  const spec = (entry = "entry.ts"): LambdaZipSpec => ({
    name: "api",
    entry,
    externals: [],
    binaries: [{ from: "tool.bin", to: "bin/ffmpeg" }],
  });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "hf-zip-"));
    await writeFile(join(root, "helper.ts"), "export const answer = (): number => 42;\n");
    await writeFile(
      join(root, "entry.ts"),
      'import { answer } from "./helper.js";\nexport const handler = async () => answer();\n',
    );
    await writeFile(join(root, "tool.bin"), Buffer.alloc(4096, 7));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("fails with a clear message when the entry does not exist", async () => {
    await expect(
      buildLambdaZip(spec("missing.ts"), { rootDir: root, outDir: join(root, "out") }),
    ).rejects.toThrow(/entry missing\.ts does not exist/);
  });

  it("refuses a zip over the unzipped limit and names the largest parts", async () => {
    await expect(
      buildLambdaZip(spec(), { rootDir: root, outDir: join(root, "out"), unzippedLimitBytes: 2048 }),
    ).rejects.toThrow(/exceeds the 0\.0 MiB limit\. Largest parts: bin\/ffmpeg/);
  });

  it("reuses the zip when no input changed, rebuilds when one did, and is deterministic", async () => {
    const outDir = join(root, "out");
    const first = await buildLambdaZip(spec(), { rootDir: root, outDir });
    expect(first.rebuilt).toBe(true);
    expect(first.environment).toEqual({ FFMPEG_PATH: "/var/task/bin/ffmpeg" });
    const zipBytes = await readFile(first.zipPath);
    expect(zipBytes.includes(Buffer.from("index.mjs"))).toBe(true);

    const second = await buildLambdaZip(spec(), { rootDir: root, outDir });
    expect(second.rebuilt).toBe(false);
    expect(second.sourceCodeHash).toBe(first.sourceCodeHash);

    // Same content rewritten (new mtime): still cached, by hash.
    await writeFile(join(root, "helper.ts"), "export const answer = (): number => 42;\n");
    expect((await buildLambdaZip(spec(), { rootDir: root, outDir })).rebuilt).toBe(false);

    // An imported file changed: rebuilt, new hash.
    await writeFile(join(root, "helper.ts"), "export const answer = (): number => 43;\n");
    const third = await buildLambdaZip(spec(), { rootDir: root, outDir });
    expect(third.rebuilt).toBe(true);
    expect(third.sourceCodeHash).not.toBe(first.sourceCodeHash);

    // Forced rebuild of unchanged inputs gives a byte-identical zip.
    const forced = await buildLambdaZip(spec(), { rootDir: root, outDir, force: true });
    expect(forced.sourceCodeHash).toBe(third.sourceCodeHash);
  });
});
