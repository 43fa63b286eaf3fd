import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../../handlers/contracts/errors.js";
import { configFromFlags } from "../../../tui/commands/render.js";
import { packProject, projectName } from "../../../tui/jobs/pack-project.js";
import { parseRenderConfig, renderExecutionInput } from "../../../tui/jobs/render-job.js";

const FIXTURE = resolve(import.meta.dirname, "../../../fixtures/compositions/title-card");

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "render-job-unit-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("did not throw");
}

describe("packProject", () => {
  it("packs the same folder to the same bytes", async () => {
    const a = await packProject(FIXTURE);
    const b = await packProject(FIXTURE);
    expect(a.sha256).toBe(b.sha256);
    expect(a.archive.equals(b.archive)).toBe(true);
    expect(a).toMatchObject({ name: "title-card", files: 2 });
  });

  it("skips VCS, dependency, local cloud and output folders", async () => {
    await writeFile(join(dir, "index.html"), "<html></html>");
    const plain = await packProject(dir);
    for (const skipped of [".git", "node_modules", ".hyperframes", "out"]) {
      await mkdir(join(dir, skipped));
      await writeFile(join(dir, skipped, "x"), "x");
    }
    expect((await packProject(dir)).sha256).toBe(plain.sha256);
  });

  it("refuses a folder without index.html", async () => {
    await expect(packProject(dir)).rejects.toMatchObject({ name: "MISSING_INDEX_HTML" });
  });

  it("names outputs after the folder, safely", () => {
    expect(projectName("/a/My Title (v2)")).toBe("My-Title-v2");
    expect(projectName("/")).toBe("render");
  });
});

describe("render config from flags", () => {
  it("applies the schema's defaults", () => {
    expect(parseRenderConfig(configFromFlags({}))).toEqual({
      format: "mp4",
      quality: "standard",
      chunkSize: 240,
      maxParallelChunks: 16,
    });
    expect(
      parseRenderConfig(
        configFromFlags({
          fps: "60",
          width: "1280",
          height: "720",
          chunkSize: "30",
          maxParallel: "4",
          format: "webm",
          quality: "high",
        }),
      ),
    ).toEqual({
      fps: 60,
      width: 1280,
      height: 720,
      chunkSize: 30,
      maxParallelChunks: 4,
      format: "webm",
      quality: "high",
    });
  });

  it("names the bad field (exit 2)", () => {
    const fps = thrown(() => parseRenderConfig(configFromFlags({ fps: "25" })));
    expect(fps.name).toBe("INVALID_CONFIG");
    expect(fps.message).toContain("fps must be one of 24, 30, 60");
    expect(
      thrown(() => parseRenderConfig(configFromFlags({ width: "abc", height: "720" }))).message,
    ).toContain("width");
    expect(
      thrown(() => parseRenderConfig(configFromFlags({ width: "641", height: "360" }))).message,
    ).toContain("width must be even");
    expect(thrown(() => parseRenderConfig(configFromFlags({ maxParallel: "41" }))).message).toContain(
      "maxParallelChunks",
    );
    expect(thrown(() => parseRenderConfig(configFromFlags({ format: "gif" }))).message).toContain(
      "format must be one of",
    );
  });
});

describe("renderExecutionInput", () => {
  it("builds the state machine input from the bucket layout", () => {
    const config = parseRenderConfig({});
    expect(
      renderExecutionInput("bucket-x", "r20260101t000000-abcdef12", "a".repeat(64), "title-card", config),
    ).toEqual({
      JobId: "r20260101t000000-abcdef12",
      ProjectS3Uri: `s3://bucket-x/projects/${"a".repeat(64)}.tar.gz`,
      PlanOutputS3Prefix: "s3://bucket-x/renders/r20260101t000000-abcdef12/",
      OutputS3Uri: "s3://bucket-x/outputs/r20260101t000000-abcdef12/title-card.mp4",
      Config: config,
    });
  });
});
