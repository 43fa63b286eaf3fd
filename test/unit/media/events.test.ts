import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parseMediaEvents } from "../../../handlers/media/events.js";

const sample = async (name: string): Promise<unknown> =>
  JSON.parse(await readFile(new URL(`../../../fixtures/events/${name}`, import.meta.url), "utf8"));

describe("parseMediaEvents", () => {
  it("normalizes an EventBridge S3 Object Created event (URL-encoded key) to ingest", async () => {
    expect(parseMediaEvents(await sample("media-eventbridge-object-created.json"))).toEqual([
      {
        Action: "ingest",
        bucket: "hyperframes-media-bucket",
        key: "uploads/0123456789abcdef01234567/my holiday.mp4",
        size: 227570,
      },
    ]);
  });

  it("normalizes S3 notification Records from the local S3 server, skipping removals", async () => {
    const events = parseMediaEvents(await sample("media-s3-notification.json"));
    expect(events).toEqual([
      {
        Action: "ingest",
        bucket: "hyperframes-local",
        key: "uploads/0123456789abcdef01234567/clip (1).mp4",
        size: 27414,
      },
    ]);
  });

  it("passes validated Action events through and names the bad field otherwise", async () => {
    expect(parseMediaEvents(await sample("media-ingest.json"))[0]).toMatchObject({ Action: "ingest" });
    expect(parseMediaEvents(await sample("media-reprocess.json"))[0]).toMatchObject({ Action: "reprocess" });
    expect(() => parseMediaEvents({ Action: "ingest", bucket: "b", key: "k", size: -1 })).toThrow(
      expect.objectContaining({
        name: "INVALID_EVENT",
        message: expect.stringMatching(/event\.(bucket|size)/),
      }),
    );
    expect(() => parseMediaEvents({ Action: "explode" })).toThrow(
      expect.objectContaining({ name: "INVALID_EVENT" }),
    );
    expect(() => parseMediaEvents({ hello: "world" })).toThrow(
      expect.objectContaining({ name: "INVALID_EVENT" }),
    );
  });
});
