import { describe, expect, it } from "vitest";
import {
  AssembleEventSchema,
  RenderEventSchema,
  RenderExecutionInputSchema,
} from "../../../handlers/contracts/render-events.js";
import { describeZodError } from "../../../handlers/contracts/zod-errors.js";

const sha = "a".repeat(64);
const v2 = {
  PlanProtocol: "v2",
  PlanHash: sha,
  PlanV2ManifestS3Uri: "s3://bucket-1/renders/r1/plan/manifest.json",
  PlanV2ArtifactS3Prefix: "s3://bucket-1/renders/r1/plan/artifacts/",
  Format: "mp4",
} as const;

describe("render events", () => {
  it("parses a plan event and defaults the protocol to v2", () => {
    const event = RenderEventSchema.parse({
      Action: "plan",
      ProjectS3Uri: "s3://bucket-1/projects/abc.tar.gz",
      PlanOutputS3Prefix: "s3://bucket-1/renders/r1/",
      Config: { fps: 30 },
    });
    expect(event.Action).toBe("plan");
    expect(event).toMatchObject({ PlanProtocol: "v2", Config: { fps: 30, format: "mp4" } });
  });

  it("parses a renderChunk event", () => {
    const event = {
      Action: "renderChunk",
      ChunkIndex: 3,
      ChunkOutputS3Prefix: "s3://bucket-1/renders/r1/chunks/",
      ...v2,
    };
    expect(RenderEventSchema.parse(event)).toEqual(event);
  });

  it("rejects a negative chunk index and a bad hash, naming both fields", () => {
    const result = RenderEventSchema.safeParse({
      Action: "renderChunk",
      ...v2,
      PlanHash: "nope",
      ChunkIndex: -1,
      ChunkOutputS3Prefix: "s3://bucket-1/renders/r1/chunks/",
    });
    expect(result.success).toBe(false);
    const message = result.success ? "" : describeZodError(result.error);
    expect(message).toContain("PlanHash: must be a 64-character hex SHA-256");
    expect(message).toContain("ChunkIndex");
  });

  it("rejects an unknown action", () => {
    expect(RenderEventSchema.safeParse({ Action: "explode" }).success).toBe(false);
  });

  it("accepts assemble by prefix + count or by HyperFrames' ChunkS3Uris, not both or neither", () => {
    const base = { Action: "assemble", ...v2, OutputS3Uri: "s3://bucket-1/outputs/r1/title.mp4" };
    const byPrefix = { ...base, ChunkOutputS3Prefix: "s3://bucket-1/renders/r1/chunks/", ChunkCount: 2 };
    const byList = { ...base, ChunkS3Uris: ["s3://bucket-1/renders/r1/chunks/chunk-0000.mp4"] };
    expect(AssembleEventSchema.safeParse(byPrefix).success).toBe(true);
    expect(AssembleEventSchema.safeParse(byList).success).toBe(true);
    expect(AssembleEventSchema.safeParse({ ...byPrefix, ...byList }).success).toBe(false);
    expect(AssembleEventSchema.safeParse(base).success).toBe(false);
  });

  it("requires prefixes to end in / and URIs to be s3://", () => {
    const result = RenderExecutionInputSchema.safeParse({
      JobId: "r1",
      ProjectS3Uri: "https://example.invalid/p.tar.gz",
      PlanOutputS3Prefix: "s3://bucket-1/renders/r1",
      OutputS3Uri: "s3://bucket-1/outputs/r1/x.mp4",
      Config: {},
    });
    expect(result.success).toBe(false);
    const message = result.success ? "" : describeZodError(result.error);
    expect(message).toContain("ProjectS3Uri: must be an s3://bucket/key URI");
    expect(message).toContain("PlanOutputS3Prefix: must be an s3:// prefix ending in /");
  });
});
