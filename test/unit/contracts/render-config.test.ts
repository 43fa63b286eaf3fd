import { describe, expect, it } from "vitest";
import { AppError } from "../../../handlers/contracts/errors.js";
import {
  chunkCountFor,
  RENDER_LIMITS,
  RenderConfigSchema,
} from "../../../handlers/contracts/render-config.js";
import { parseOrThrow } from "../../../handlers/contracts/zod-errors.js";

const parseConfig = (value: unknown) => parseOrThrow(RenderConfigSchema, value, "INVALID_CONFIG", "Config");

function messageFor(value: unknown): string {
  try {
    parseConfig(value);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).name).toBe("INVALID_CONFIG");
    return (err as AppError).message;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

describe("RenderConfigSchema", () => {
  it("fills defaults and leaves fps and size to the composition", () => {
    expect(parseConfig({})).toEqual({
      format: "mp4",
      quality: "standard",
      chunkSize: RENDER_LIMITS.defaultChunkSize,
      maxParallelChunks: RENDER_LIMITS.defaultMaxParallelChunks,
    });
  });

  it("accepts a full valid config", () => {
    const config = {
      fps: 60,
      width: 1280,
      height: 720,
      format: "mov",
      quality: "high",
      chunkSize: 120,
      maxParallelChunks: 40,
    };
    expect(parseConfig(config)).toEqual(config);
  });

  it.each([
    [{ fps: 25 }, "Config.fps: fps must be one of 24, 30, 60"],
    [{ fps: "30" }, "Config.fps: fps must be one of 24, 30, 60"],
    [{ width: 1279, height: 720 }, "Config.width: width must be even"],
    [{ width: 1280.5, height: 720 }, "Config.width: width must be a whole number of pixels"],
    [{ width: 8, height: 8 }, "Config.width: width must be at least 16"],
    [{ width: 1280 }, "Config.width: width and height go together"],
    [{ format: "gif" }, "Config.format: format must be one of mp4, mov, webm"],
    [{ chunkSize: 5 }, "Config.chunkSize: chunkSize must be at least 10 frames"],
    [{ chunkSize: 100_000 }, "Config.chunkSize: chunkSize must be at most 3600 frames"],
    [{ maxParallelChunks: 0 }, "Config.maxParallelChunks: maxParallelChunks must be at least 1"],
    [{ maxParallelChunks: 41 }, "Config.maxParallelChunks: maxParallelChunks must be at most 40"],
    [{ quality: "ultra" }, "Config.quality: quality must be one of draft, standard, high"],
  ])("rejects %j with a message naming the field", (value, expected) => {
    expect(messageFor(value)).toContain(expected);
  });

  it("rejects unknown fields instead of ignoring a typo", () => {
    expect(messageFor({ chunksize: 100 })).toMatch(/chunksize/);
  });

  it("reports every bad field at once", () => {
    const message = messageFor({ fps: 25, format: "gif" });
    expect(message).toContain("Config.fps");
    expect(message).toContain("Config.format");
  });

  it("counts chunks by chunkSize", () => {
    expect(chunkCountFor(90, 30)).toBe(3);
    expect(chunkCountFor(91, 30)).toBe(4);
    expect(chunkCountFor(0, 30)).toBe(0);
  });
});
