import { execFile } from "node:child_process";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUCKET, listAll, type S3Harness, STATE_MACHINE_ARN, startS3, uploadFixture } from "./harness.js";

const run = promisify(execFile);
const entry = fileURLToPath(new URL("./worker-entry.ts", import.meta.url));

let s3h: S3Harness;
let sfnEndpoint: string;
const executions: Array<{ target: string; body: { name: string; stateMachineArn: string; input: string } }> =
  [];
const sfn = createServer(async (req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
    name: string;
    stateMachineArn: string;
    input: string;
  };
  const target = String(req.headers["x-amz-target"]);
  res.setHeader("content-type", "application/x-amz-json-1.0");
  if (executions.some((e) => e.body.name === body.name)) {
    res.writeHead(400);
    res.end(
      JSON.stringify({
        __type: "ExecutionAlreadyExists",
        message: `Execution Already Exists: '${body.name}'`,
      }),
    );
    return;
  }
  executions.push({ target, body });
  res.writeHead(200);
  res.end(
    JSON.stringify({ executionArn: `${STATE_MACHINE_ARN}:${body.name}`, startDate: Date.now() / 1000 }),
  );
});

beforeAll(async () => {
  s3h = await startS3();
  await new Promise<void>((resolve) => sfn.listen(0, "127.0.0.1", resolve));
  sfnEndpoint = `http://127.0.0.1:${(sfn.address() as AddressInfo).port}`;
});
afterAll(async () => {
  sfn.closeAllConnections();
  await new Promise<void>((resolve) => sfn.close(() => resolve()));
  await s3h?.stop();
});

async function worker(event: unknown): Promise<Record<string, unknown>> {
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_ENDPOINT_URL_S3: s3h.endpoint,
    AWS_ENDPOINT_URL_SFN: sfnEndpoint,
    S3_FORCE_PATH_STYLE: "true",
    BUCKET_NAME: BUCKET,
    MEDIA_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
  };
  const { stdout } = await run(process.execPath, ["--import", "tsx", entry, JSON.stringify(event)], {
    env,
    cwd: process.cwd(),
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
}

describe("the media handler in a worker process, configured by the environment only", () => {
  it("ingests through AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_SFN and treats a replay as harmless", async () => {
    const key = "uploads/eeeeeeeeeeeeeeeeeeeeeeee/clip.mp4";
    const size = await uploadFixture(s3h.s3, "tiny-320x180.mp4", key);
    const event = {
      source: "aws.s3",
      "detail-type": "Object Created",
      detail: { bucket: { name: BUCKET }, object: { key, size } },
    };
    const first = await worker(event);
    expect(first).toMatchObject({ Action: "ingest", started: true, fileName: "clip.mp4" });
    expect(executions).toHaveLength(1);
    expect(executions[0]?.target).toBe("AWSStepFunctions.StartExecution");
    expect(executions[0]?.body).toMatchObject({ name: first.videoId, stateMachineArn: STATE_MACHINE_ARN });
    expect(JSON.parse(executions[0]?.body.input ?? "{}")).toMatchObject({
      videoId: first.videoId,
      key,
      size,
      reprocess: false,
    });
    expect(
      (await listAll(s3h.s3, `processed/${first.videoId}/`)).has(`processed/${first.videoId}/status.json`),
    ).toBe(true);

    expect(await worker(event)).toMatchObject({ videoId: first.videoId, started: false });
    expect(executions).toHaveLength(1);
  });
});
