import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { AppError, ERRORS } from "../../../handlers/contracts/errors.js";
import { compositionSizeFromHtml } from "../../../handlers/render/composition-defaults.js";
import { mapProducerError, PRODUCER_CODE_TO_ERROR } from "../../../handlers/render/producer-errors.js";
import { withDeadline } from "../../../handlers/render/runtime.js";
import { currentDescendants, descendantsOf, parseProcStat } from "../../../handlers/shared/process-tree.js";

describe("compositionSizeFromHtml", () => {
  it("reads data-width/data-height from the element with data-composition-id", () => {
    const html = `<div data-width="10" data-height="10"></div><div id="s" data-composition-id="x" data-width='1280' data-height=720 data-duration="2">`;
    expect(compositionSizeFromHtml(html)).toEqual({ width: 1280, height: 720 });
  });
  it("returns undefined without a composition root or size", () => {
    expect(compositionSizeFromHtml('<div data-width="640"></div>')).toBeUndefined();
    expect(compositionSizeFromHtml('<div data-composition-id="x" data-width="640"></div>')).toBeUndefined();
  });
});

describe("mapProducerError", () => {
  const coded = (code: string, message = "boom") => Object.assign(new Error(message), { code });
  it.each([
    "PLAN_HASH_MISMATCH",
    "FFMPEG_VERSION_MISMATCH",
    "FORMAT_NOT_SUPPORTED_IN_DISTRIBUTED",
    "CHUNK_INDEX_OUT_OF_RANGE",
    "FONT_FETCH_UNAVAILABLE",
    "PLAN_TOO_LARGE",
  ])("keeps the producer code %s as the registry name", (code) => {
    expect(mapProducerError(coded(code)).name).toBe(code);
  });
  it("maps every other known producer code to a registry name", () => {
    for (const [code, name] of Object.entries(PRODUCER_CODE_TO_ERROR)) {
      expect(mapProducerError(coded(code)).name).toBe(name);
      expect(Object.hasOwn(ERRORS, name)).toBe(true);
    }
  });
  it("classifies browser crashes as BROWSER_CRASHED and the rest as the fallback", () => {
    expect(
      mapProducerError(new Error("Protocol error (HeadlessExperimental.beginFrame): Target closed")).name,
    ).toBe("BROWSER_CRASHED");
    expect(mapProducerError(new Error("something else")).name).toBe("RENDER_FAILED");
    expect(mapProducerError(new Error("something else"), "TRANSCODE_FAILED").name).toBe("TRANSCODE_FAILED");
    expect(mapProducerError(Object.assign(new Error("x"), { name: "InvalidConfigError" })).name).toBe(
      "INVALID_CONFIG",
    );
  });
  it("keeps AppErrors", () => {
    const err = new AppError("DIGEST_MISMATCH", "x");
    expect(mapProducerError(err)).toBe(err);
  });
});

describe("process tree", () => {
  it("parses /proc stat lines whose command has spaces and parentheses", () => {
    expect(parseProcStat("4242 (chrome (renderer) x) S 4200 4242 0")).toEqual({ pid: 4242, ppid: 4200 });
    expect(parseProcStat("garbage")).toBeUndefined();
  });
  it("finds all descendants", () => {
    const table = [
      { pid: 2, ppid: 1 },
      { pid: 3, ppid: 2 },
      { pid: 4, ppid: 3 },
      { pid: 5, ppid: 9 },
    ];
    expect(descendantsOf(1, table).sort()).toEqual([2, 3, 4]);
  });
  it("kills the child processes started during a timed-out invocation", async () => {
    let childPid = 0;
    const exited = new Promise<string | null>((resolve) => {
      const work = withDeadline({ getRemainingTimeInMillis: () => 1_500 }, 1_000, async () => {
        const child = spawn("sleep", ["30"], { stdio: "ignore" });
        childPid = child.pid ?? 0;
        child.on("exit", (_code, signal) => resolve(signal));
        return new Promise<never>(() => undefined);
      });
      work.catch((err: AppError) => expect(err.name).toBe("INVOCATION_TIMEOUT"));
    });
    expect(await exited).toBe("SIGKILL");
    expect(childPid).toBeGreaterThan(0);
    expect(currentDescendants()).not.toContain(childPid);
  });
});
