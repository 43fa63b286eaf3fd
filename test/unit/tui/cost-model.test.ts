import { describe, expect, it } from "vitest";
import {
  accruedCost,
  estimateMediaCost,
  estimateRenderCost,
  formatUsd,
  NOT_COUNTED,
  PRICES,
} from "../../../handlers/shared/cost-model.js";

describe("accruedCost", () => {
  it("prices GB-seconds, requests and transitions at the list prices", () => {
    const cost = accruedCost({
      invocations: [
        { functionName: "render", durationMs: 10_000, memoryMb: 1024 },
        { functionName: "render", durationMs: 5_000, memoryMb: 2048 },
      ],
      transitions: 1000,
    });
    const lambda = cost.lines.find((line) => line.item === "lambda");
    // 10 s x 1 GB + 5 s x 2 GB = 20 GB-s
    expect(lambda?.quantity).toBeCloseTo(20, 9);
    expect(lambda?.usd).toBeCloseTo(20 * 0.0000166667, 9);
    expect(cost.lines.find((line) => line.item === "stepFunctions")?.usd).toBeCloseTo(0.025, 9);
    expect(cost.lines.find((line) => line.item === "lambdaRequests")?.usd).toBeCloseTo(0.0000004, 12);
    expect(cost.totalUsd).toBeCloseTo(20 * 0.0000166667 + 0.025 + 0.0000004, 7);
    expect(cost.notCounted).toEqual([...NOT_COUNTED]);
  });

  it("bills Transcribe per second with a 15 s minimum", () => {
    const short = accruedCost({ invocations: [], transitions: 0, transcribeSeconds: 5 });
    expect(short.lines.find((line) => line.item === "transcribe")?.usd).toBeCloseTo((15 / 60) * 0.024, 9);
    const long = accruedCost({ invocations: [], transitions: 0, transcribeSeconds: 120 });
    expect(long.lines.find((line) => line.item === "transcribe")?.usd).toBeCloseTo(0.048, 9);
  });

  it("counts S3 requests at the write and read prices", () => {
    const cost = accruedCost({ invocations: [], transitions: 0, s3Reads: 10_000, s3Writes: 1000 });
    expect(cost.lines.find((line) => line.item === "s3Requests")?.usd).toBeCloseTo(0.004 + 0.005, 9);
  });

  it("is zero for a job that recorded nothing", () => {
    expect(accruedCost({ invocations: [], transitions: 0 }).totalUsd).toBe(0);
  });
});

describe("estimateRenderCost", () => {
  it("grows with frames and resolution and lists its assumptions", () => {
    const small = estimateRenderCost({ totalFrames: 300, width: 1280, height: 720, chunkSize: 60 });
    const big = estimateRenderCost({ totalFrames: 300, width: 1920, height: 1080, chunkSize: 60 });
    const long = estimateRenderCost({ totalFrames: 3000, width: 1280, height: 720, chunkSize: 60 });
    expect(big.totalUsd).toBeGreaterThan(small.totalUsd);
    expect(long.totalUsd).toBeGreaterThan(small.totalUsd);
    expect(small.assumptions.join("\n")).toContain("5 chunks of 60");
    expect(small.assumptions.join("\n")).toContain("3008 MB");
  });

  it("computes the Lambda line from the time model", () => {
    const cost = estimateRenderCost({
      totalFrames: 100,
      width: 1280,
      height: 720,
      chunkSize: 50,
      memoryMb: 1024,
      model: {
        secondsPerFrameAt720p: 0.1,
        chunkOverheadSeconds: 2,
        planSeconds: 1,
        assembleFixedSeconds: 1,
        assembleSecondsPerFrame: 0,
      },
    });
    // plan 1 + chunks (2 x 2 + 100 x 0.1) + assemble 1 = 16 s at 1 GB
    expect(cost.lines.find((line) => line.item === "lambda")?.quantity).toBeCloseTo(16, 9);
    // 8 fixed + 2 chunks
    expect(cost.lines.find((line) => line.item === "stepFunctions")?.quantity).toBe(10);
  });

  it("adds retried work when a retry rate is given", () => {
    const base = estimateRenderCost({ totalFrames: 600, width: 1280, height: 720, chunkSize: 60 });
    const retried = estimateRenderCost({
      totalFrames: 600,
      width: 1280,
      height: 720,
      chunkSize: 60,
      retryRate: 0.1,
    });
    expect(retried.totalUsd).toBeGreaterThan(base.totalUsd);
  });
});

describe("estimateMediaCost", () => {
  it("adds Transcribe only when asked", () => {
    const without = estimateMediaCost({ durationSeconds: 60, transcribe: false });
    const withIt = estimateMediaCost({ durationSeconds: 60, transcribe: true });
    expect(without.lines.some((line) => line.item === "transcribe")).toBe(false);
    expect(withIt.totalUsd - without.totalUsd).toBeCloseTo(PRICES.transcribePerMinute, 7);
  });
});

describe("formatUsd", () => {
  it("shows sub-cent figures with enough digits", () => {
    expect(formatUsd(0)).toBe("$0.00");
    expect(formatUsd(0.000123)).toBe("$0.000123");
    expect(formatUsd(0.0512)).toBe("$0.0512");
    expect(formatUsd(12.345)).toBe("$12.35");
  });
});
