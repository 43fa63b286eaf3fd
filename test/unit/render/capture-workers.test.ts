import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { RENDER_LIMITS } from "../../../handlers/contracts/render-config.js";
import {
  CHUNK_CAPTURE_ENV_DEFAULTS,
  withChunkCaptureDefaults,
  withEnvDefaults,
} from "../../../handlers/render/runtime.js";

const KEYS = Object.keys(CHUNK_CAPTURE_ENV_DEFAULTS);

describe("withEnvDefaults", () => {
  it("fills unset and empty keys for the call only, and keeps keys the env sets", async () => {
    const env: NodeJS.ProcessEnv = { PRODUCER_MAX_WORKERS: "", OTHER: "x" };
    const seen = await withChunkCaptureDefaults(async () => ({ ...env }), env);
    expect(seen).toEqual({ PRODUCER_MAX_WORKERS: "1", PRODUCER_MIN_PARALLEL_FRAMES: "100000", OTHER: "x" });
    // An empty value is the producer's "unset" too; after the call the key is gone, not "".
    expect(env).toEqual({ OTHER: "x" });

    const explicit: NodeJS.ProcessEnv = { PRODUCER_MAX_WORKERS: "4", PRODUCER_MIN_PARALLEL_FRAMES: "200" };
    const seenExplicit = await withChunkCaptureDefaults(async () => ({ ...explicit }), explicit);
    expect(seenExplicit).toEqual({ PRODUCER_MAX_WORKERS: "4", PRODUCER_MIN_PARALLEL_FRAMES: "200" });
    expect(explicit).toEqual({ PRODUCER_MAX_WORKERS: "4", PRODUCER_MIN_PARALLEL_FRAMES: "200" });
  });

  it("keeps the defaults while any overlapping call runs, removes them after the last, also on failure", async () => {
    const env: NodeJS.ProcessEnv = {};
    let releaseFirst = (): void => undefined;
    const first = withEnvDefaults(
      { A: "1" },
      () =>
        new Promise<string | undefined>((resolve) => {
          releaseFirst = () => resolve(env.A);
        }),
      env,
    );
    let releaseSecond = (): void => undefined;
    const second = withEnvDefaults(
      { A: "1" },
      () =>
        new Promise<never>((_resolve, reject) => {
          releaseSecond = () => reject(new Error(`saw ${env.A}`));
        }),
      env,
    );
    releaseFirst();
    expect(await first).toBe("1");
    // The second call is still running: the first one's exit must not pull the default from under it.
    expect(env.A).toBe("1");
    releaseSecond();
    await expect(second).rejects.toThrow("saw 1");
    expect(env).toEqual({});
  });

  it("leaves a key alone that someone else changed during the call", async () => {
    const env: NodeJS.ProcessEnv = {};
    await withEnvDefaults(
      { A: "1" },
      async () => {
        env.A = "7";
      },
      env,
    );
    expect(env).toEqual({ A: "7" });
  });
});

describe("the defaults give one capture worker per chunk in the producer's own sizing", () => {
  // The producer bundles @hyperframes/engine's source; its exported sizing is the code renderChunkV2 runs
  // (calculateOptimalWorkers(framesInChunk, undefined, {...resolveConfig(), ...})) at the same version.
  const version = (name: string): string =>
    (
      JSON.parse(
        readFileSync(resolve(import.meta.dirname, "../../../node_modules", name, "package.json"), "utf8"),
      ) as { version: string }
    ).version;

  it("is the engine version the producer bundles", () => {
    expect(version("@hyperframes/engine")).toBe(version("@hyperframes/producer"));
  });

  it("sizes every chunk length at one worker with the defaults, two at 240 frames without", async () => {
    expect(Number(CHUNK_CAPTURE_ENV_DEFAULTS.PRODUCER_MIN_PARALLEL_FRAMES)).toBeGreaterThan(
      RENDER_LIMITS.maxChunkSize,
    );
    const { computeWorkerSizing, resolveConfig } = await import("@hyperframes/engine");
    const saved = Object.fromEntries(KEYS.map((key) => [key, process.env[key]]));
    for (const key of KEYS) delete process.env[key];
    try {
      const frames = [
        RENDER_LIMITS.minChunkSize,
        60,
        120,
        RENDER_LIMITS.defaultChunkSize,
        RENDER_LIMITS.maxChunkSize,
      ];
      const bare = resolveConfig();
      // The finding this guards against: the producer's own floor of 2 from 120 frames, whatever the cores.
      expect(
        computeWorkerSizing(RENDER_LIMITS.defaultChunkSize, undefined, bare).workers,
      ).toBeGreaterThanOrEqual(2);
      const withDefaults = await withChunkCaptureDefaults(async () => resolveConfig());
      expect(frames.map((n) => computeWorkerSizing(n, undefined, withDefaults).workers)).toEqual(
        frames.map(() => 1),
      );
    } finally {
      for (const key of KEYS) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  }, 120_000);
});
