import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { RenderEventSchema } from "../../../handlers/contracts/render-events.js";

const EVENTS = resolve(import.meta.dirname, "../../../fixtures/events");

describe("fixtures/events render samples", () => {
  it("parse against the render event contract, one per action at least", async () => {
    const files = (await readdir(EVENTS)).filter(
      (file) => file.startsWith("render-") && file.endsWith(".json"),
    );
    const actions = new Set<string>();
    for (const file of files) {
      const parsed = RenderEventSchema.safeParse(JSON.parse(await readFile(join(EVENTS, file), "utf8")));
      expect(parsed.success, `${file}: ${parsed.error?.message}`).toBe(true);
      if (parsed.success) actions.add(parsed.data.Action);
    }
    expect([...actions].sort()).toEqual(["assemble", "plan", "renderChunk"]);
  });
});
