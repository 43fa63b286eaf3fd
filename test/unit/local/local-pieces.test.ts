import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../../handlers/contracts/errors.js";
import { EndpointsFileSchema } from "../../../local/discovery.js";
import { acquireDataDirLock, LOCK_FILE_NAME } from "../../../local/lock.js";
import { objectCreatedRecords } from "../../../local/s3/start-s3-server.js";
import { functionNameOf } from "../../../local/sfn/engine.js";
import { descendantsOf, parseProcStat } from "../../../local/workers/process-tree.js";
import { endpointsFromLocal } from "../../../tui/target/connect.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "local-unit-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("parseProcStat", () => {
  it("reads pid, ppid, group and RSS even when the command name has spaces and parentheses", () => {
    const line =
      "4242 (my (odd) cmd) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 3 0 12345 1000000 256 18446744073709551615";
    expect(parseProcStat(line)).toEqual({
      pid: 4242,
      ppid: 17,
      pgrp: 4242,
      rssBytes: 256 * 4096,
      startTicks: 12345,
    });
  });

  it("refuses text that is not a stat line", () => {
    expect(parseProcStat("garbage")).toBeUndefined();
  });
});

describe("descendantsOf", () => {
  it("walks the tree from a root", () => {
    const p = (pid: number, ppid: number) => ({ pid, ppid, pgrp: pid, rssBytes: 0, startTicks: 0 });
    const tree = descendantsOf(10, [p(1, 0), p(10, 1), p(11, 10), p(12, 11), p(13, 1)]);
    expect(tree.map((x) => x.pid).sort()).toEqual([10, 11, 12]);
  });
});

describe("functionNameOf", () => {
  it("takes the function name from an ARN, a qualified ARN or a bare name", () => {
    expect(functionNameOf("arn:aws:lambda:us-east-1:000000000000:function:render")).toBe("render");
    expect(functionNameOf("arn:aws:lambda:us-east-1:000000000000:function:render:$LATEST")).toBe("render");
    expect(functionNameOf("media")).toBe("media");
  });
});

describe("objectCreatedRecords", () => {
  it("keeps created objects and drops deletions", () => {
    const record = (eventName: string, key: string) => ({
      eventName,
      s3: { bucket: { name: "b" }, object: { key, size: 3 } },
    });
    expect(
      objectCreatedRecords({
        Records: [
          record("ObjectCreated:Put", "uploads/a/x.mp4"),
          record("ObjectRemoved:Delete", "uploads/a/y.mp4"),
        ],
      }),
    ).toEqual([{ bucket: "b", key: "uploads/a/x.mp4", size: 3, eventName: "ObjectCreated:Put" }]);
    expect(objectCreatedRecords(undefined)).toEqual([]);
  });
});

describe("acquireDataDirLock", () => {
  it("allows one owner per data folder", async () => {
    const release = await acquireDataDirLock(dir);
    await expect(acquireDataDirLock(dir)).rejects.toSatisfy(
      (err: unknown) => err instanceof AppError && err.name === "LOCAL_CLOUD_BUSY",
    );
    await release();
    const again = await acquireDataDirLock(dir);
    await again();
  });

  it("replaces a lock whose process is gone", async () => {
    await writeFile(join(dir, LOCK_FILE_NAME), "999999999");
    const release = await acquireDataDirLock(dir);
    await release();
  });
});

describe("endpoints file", () => {
  const older = {
    s3Endpoint: "http://127.0.0.1:1001",
    sfnEndpoint: "http://127.0.0.1:1002",
    apiEndpoint: null,
    apiToken: "0123456789abcdef0123",
    bucket: "hyperframes-local",
    region: "us-east-1",
    renderStateMachineArn: "arn:render",
    mediaStateMachineArn: "arn:media",
    dataDir: "/tmp/x",
    pid: 1,
    startedAt: "2026-01-01T00:00:00.000Z",
  };

  it("still parses a file written before the Lambda endpoint existed", () => {
    expect(EndpointsFileSchema.parse(older).lambdaEndpoint).toBeUndefined();
  });

  it("gives clients the Lambda endpoint and the local function names", () => {
    const file = EndpointsFileSchema.parse({ ...older, lambdaEndpoint: "http://127.0.0.1:1003" });
    expect(endpointsFromLocal(file)).toMatchObject({
      kind: "local",
      lambdaEndpoint: "http://127.0.0.1:1003",
      renderFunctionName: "render",
      mediaFunctionName: "media",
      apiFunctionName: "api",
    });
  });
});
