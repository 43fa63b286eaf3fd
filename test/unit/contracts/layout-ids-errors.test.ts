import { describe, expect, it } from "vitest";
import {
  chunkKey,
  nameMappingKey,
  outputKey,
  PROCESSED_FILES,
  parseS3Uri,
  processedKey,
  projectKey,
  renderPrefix,
  statusKey,
  uploadKey,
} from "../../../handlers/contracts/bucket-layout.js";
import {
  AppError,
  ERROR_NAMES,
  ERRORS,
  FATAL_ERROR_NAMES,
  RETRYABLE_ERROR_NAMES,
  toAppError,
} from "../../../handlers/contracts/errors.js";
import {
  isRenderJobId,
  isVideoId,
  jobIdFromExecution,
  newRenderJobId,
  reprocessExecutionName,
  videoIdFromSha256,
} from "../../../handlers/contracts/ids.js";

describe("bucket layout", () => {
  it("builds every key under its prefix", () => {
    expect(projectKey("ab")).toBe("projects/ab.tar.gz");
    expect(renderPrefix("r1")).toBe("renders/r1/");
    expect(chunkKey("r1", 7, "mp4")).toBe("renders/r1/chunks/chunk-0007.mp4");
    expect(outputKey("r1", "title", "mp4")).toBe("outputs/r1/title.mp4");
    expect(uploadKey("u1", "a b.mp4")).toBe("uploads/u1/a b.mp4");
    expect(statusKey("v1")).toBe("processed/v1/status.json");
    expect(processedKey("v1", PROCESSED_FILES.spriteSheet(2))).toBe("processed/v1/thumbnails/sprite-002.jpg");
  });

  it("encodes any file name into one key segment for the name mapping", () => {
    expect(nameMappingKey("../a/b c+d.mp4")).toBe("processed/names/..%2Fa%2Fb%20c%2Bd.mp4.json");
  });

  it("parses s3 URIs and refuses anything else", () => {
    expect(parseS3Uri("s3://my-bucket/renders/r1/")).toEqual({ bucket: "my-bucket", key: "renders/r1/" });
    expect(() => parseS3Uri("http://my-bucket/x")).toThrow(/Not an S3 URI/);
    expect(() => parseS3Uri("s3://UPPER/x")).toThrow(/Not an S3 URI/);
  });
});

describe("ids", () => {
  it("derives a 32-hex video id from a SHA-256", () => {
    const sha = "0123456789abcdef".repeat(4);
    expect(videoIdFromSha256(sha)).toBe("0123456789abcdef0123456789abcdef");
    expect(isVideoId(videoIdFromSha256(sha))).toBe(true);
    expect(isVideoId("xyz")).toBe(false);
  });

  it("generates sortable render job ids that are valid execution names", () => {
    const id = newRenderJobId(new Date("2026-11-21T12:05:01.123Z"));
    expect(id).toMatch(/^r20261121t120501-[0-9a-f]{8}$/);
    expect(isRenderJobId(id)).toBe(true);
    expect(id.length).toBeLessThanOrEqual(80);
    expect(newRenderJobId()).not.toBe(newRenderJobId());
  });

  it("names reprocess executions apart from the first run", () => {
    expect(reprocessExecutionName("a".repeat(32), new Date(1_000_000))).toBe(
      `${"a".repeat(32)}-reprocess-1000`,
    );
  });

  it("takes a job id from an execution ARN or a bare id", () => {
    expect(
      jobIdFromExecution(
        "arn:aws:states:us-east-1:123456789012:execution:render-sm:r20261121t120501-aabbccdd",
      ),
    ).toBe("r20261121t120501-aabbccdd");
    expect(jobIdFromExecution("r20261121t120501-aabbccdd")).toBe("r20261121t120501-aabbccdd");
  });
});

describe("error registry", () => {
  it("uses stable UPPER_SNAKE names with a hint, HTTP status and exit code each", () => {
    for (const name of ERROR_NAMES) {
      expect(name).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(ERRORS[name].hint.length).toBeGreaterThan(10);
      expect([1, 2, 3]).toContain(ERRORS[name].exitCode);
    }
  });

  it("splits names into retryable and fatal with no overlap", () => {
    expect(RETRYABLE_ERROR_NAMES).toContain("DIGEST_MISMATCH");
    expect(FATAL_ERROR_NAMES).toContain("INVALID_CONFIG");
    expect(RETRYABLE_ERROR_NAMES.filter((n) => FATAL_ERROR_NAMES.includes(n))).toEqual([]);
    expect(RETRYABLE_ERROR_NAMES.length + FATAL_ERROR_NAMES.length).toBe(ERROR_NAMES.length);
  });

  it("gives AppError the registry name, so Lambda reports it as the errorType", () => {
    const err = new AppError("INVALID_CONFIG", "fps must be one of 24, 30, 60");
    expect(err.name).toBe("INVALID_CONFIG");
    expect(err.retryable).toBe(false);
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      name: "INVALID_CONFIG",
      message: "fps must be one of 24, 30, 60",
    });
  });

  it("maps foreign errors by their code, else to the fallback", () => {
    const producer = Object.assign(new Error("plan changed"), { code: "PLAN_HASH_MISMATCH" });
    expect(toAppError(producer).name).toBe("PLAN_HASH_MISMATCH");
    expect(toAppError(new Error("boom")).name).toBe("INTERNAL_ERROR");
    expect(toAppError("text", "RENDER_FAILED").name).toBe("RENDER_FAILED");
  });
});
