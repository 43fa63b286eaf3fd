import { describe, expect, it } from "vitest";
import { MediaExecutionInputSchema, UploadEventSchema } from "../../../handlers/contracts/media-events.js";
import { VideoStatusSchema } from "../../../handlers/contracts/video-status.js";

describe("media contracts", () => {
  it("accepts a normalized upload event and nothing more", () => {
    expect(UploadEventSchema.parse({ bucket: "b-1", key: "uploads/x/a.mp4", size: 10 })).toEqual({
      bucket: "b-1",
      key: "uploads/x/a.mp4",
      size: 10,
    });
    expect(UploadEventSchema.safeParse({ bucket: "b-1", key: "k", size: -1 }).success).toBe(false);
    expect(UploadEventSchema.safeParse({ bucket: "b-1", key: "k", size: 1, extra: true }).success).toBe(
      false,
    );
  });

  it("requires a 32-hex video id in the execution input and defaults reprocess to false", () => {
    const input = {
      bucket: "b-1",
      key: "uploads/x/a.mp4",
      size: 10,
      videoId: "0".repeat(32),
      fileName: "a.mp4",
    };
    expect(MediaExecutionInputSchema.parse(input).reprocess).toBe(false);
    expect(MediaExecutionInputSchema.safeParse({ ...input, videoId: "0".repeat(31) }).success).toBe(false);
  });

  it("accepts the four status values only", () => {
    const status = {
      videoId: "0".repeat(32),
      fileName: "a.mp4",
      status: "processing",
      source: { bucket: "b-1", key: "uploads/x/a.mp4", size: 10 },
      createdAt: "2026-11-21T00:00:00.000Z",
      updatedAt: "2026-11-21T00:00:00.000Z",
      step: "transcode",
      percent: 40,
    };
    expect(VideoStatusSchema.parse(status).status).toBe("processing");
    expect(VideoStatusSchema.safeParse({ ...status, status: "done" }).success).toBe(false);
    expect(VideoStatusSchema.safeParse({ ...status, percent: 140 }).success).toBe(false);
  });
});
