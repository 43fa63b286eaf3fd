import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListStateMachinesCommand, SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EndpointsFileSchema, LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../local/discovery.js";
import { isRunning, listProcesses } from "../../../local/workers/process-tree.js";
import { CLI, runCli } from "../run-cli.js";

/** `local up` as a user runs it: one JSON line, one instance per data folder, a clean stop on SIGTERM. */

let cwd: string;
let up: ChildProcess | undefined;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "local-up-"));
});

afterAll(async () => {
  up?.kill("SIGKILL");
  await rm(cwd, { recursive: true, force: true });
});

const cli = (args: string[], stdin?: string, env: Record<string, string> = {}) =>
  runCli(args, { cwd, stdin, env });

/** A Function URL request (payload format 2.0), as the local API server would send it. */
function apiEvent(path: string): Record<string, unknown> {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: { authorization: "Bearer not-the-token" },
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: "127.0.0.1",
      domainPrefix: "127",
      http: { method: "GET", path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "e2e" },
      requestId: "e2e",
      routeKey: "$default",
      stage: "$default",
      time: "",
      timeEpoch: 0,
    },
    isBase64Encoded: false,
  };
}

describe("hyperframes-tui local up", () => {
  it("prints one JSON line, serves the endpoints, refuses a second instance and stops cleanly", async () => {
    const child = spawn(process.execPath, [CLI, "local", "up", "--json"], {
      cwd,
      env: { ...process.env, CI: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    up = child;
    const line = await new Promise<string>((done, reject) => {
      let buffer = "";
      child.stdout?.on("data", (d: Buffer) => {
        buffer += d.toString();
        if (buffer.includes("\n")) done(buffer);
      });
      child.on("exit", (code) => reject(new Error(`local up exited ${code}`)));
    });
    expect(line.trim().split("\n")).toHaveLength(1);
    const document = JSON.parse(line) as {
      status: string;
      sfnEndpoint: string;
      lambdaEndpoint: string;
      s3Endpoint: string;
      apiToken: string;
      dataDir: string;
      pid: number;
    };
    expect(document).toMatchObject({ status: "RUNNING", dataDir: join(cwd, ".hyperframes") });
    expect(document.sfnEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const endpoints = EndpointsFileSchema.parse(
      JSON.parse(await readFile(join(cwd, ".hyperframes", "endpoints.json"), "utf8")),
    );
    expect(endpoints.sfnEndpoint).toBe(document.sfnEndpoint);
    expect(document.lambdaEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.lambdaEndpoint).toBe(document.lambdaEndpoint);

    const sfn = new SFNClient({
      region: LOCAL_REGION,
      endpoint: document.sfnEndpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    const machines = await sfn.send(new ListStateMachinesCommand({}));
    sfn.destroy();
    expect(machines.stateMachines?.map((m) => m.name).sort()).toEqual([
      "hyperframes-media",
      "hyperframes-render",
    ]);

    const second = await cli(["local", "up", "--json"]);
    expect(second.code).toBe(3);
    expect(JSON.parse(second.stdout)).toMatchObject({
      status: "FAILED",
      error: { name: "LOCAL_CLOUD_BUSY" },
    });

    const status = await cli(["local", "status", "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: "RUNNING", pid: document.pid });

    // `invoke` goes through the running instance's Lambda Invoke API (@aws-sdk/client-lambda): the
    // invocations are the instance's own (its billing log has them), not a pool in the CLI process.
    await writeFile(
      join(cwd, "plan.json"),
      JSON.stringify({
        Action: "plan",
        PlanProtocol: "v2",
        ProjectS3Uri: `s3://${endpoints.bucket}/projects/${"0".repeat(64)}.tar.gz`,
        PlanOutputS3Prefix: `s3://${endpoints.bucket}/renders/x/`,
        Config: {},
      }),
    );
    const invoked = await cli(["invoke", "render", "plan.json", "--json"]);
    expect(invoked.code).toBe(1);
    expect(JSON.parse(invoked.stdout)).toMatchObject({
      status: "FAILED",
      function: "render",
      error: { name: "INVALID_EVENT" },
    });
    await writeFile(join(cwd, "api.json"), JSON.stringify(apiEvent("/api/videos")));
    const served = await cli(["invoke", "api", "api.json", "--json"]);
    expect(served.code).toBe(0);
    expect(JSON.parse(served.stdout)).toMatchObject({
      status: "SUCCEEDED",
      function: "api",
      result: { statusCode: 401 },
    });
    const billed = (await readFile(join(cwd, ".hyperframes", "logs", "invocations.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { functionName: string; tag: string; outcome: string });
    expect(billed.filter((r) => r.tag === "invoke").map((r) => [r.functionName, r.outcome])).toEqual([
      ["render", "INVALID_EVENT"],
      ["api", "ok"],
    ]);

    // `--target aws` takes the function name from the stack outputs and calls Lambda's Invoke API; the
    // SDK's AWS_ENDPOINT_URL_LAMBDA points it at the local one (no network).
    const awsTarget = {
      HYPERFRAMES_BUCKET_NAME: endpoints.bucket,
      HYPERFRAMES_RENDER_STATE_MACHINE_ARN: endpoints.renderStateMachineArn,
      HYPERFRAMES_MEDIA_STATE_MACHINE_ARN: endpoints.mediaStateMachineArn,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_LAMBDA: document.lambdaEndpoint,
    };
    const onAws = await cli(["invoke", "api", "api.json", "--target", "aws", "--json"], undefined, {
      ...awsTarget,
      HYPERFRAMES_API_FUNCTION_NAME: "api",
    });
    expect(onAws.code).toBe(0);
    expect(JSON.parse(onAws.stdout)).toMatchObject({ status: "SUCCEEDED", result: { statusCode: 401 } });
    const unnamed = await cli(
      ["invoke", "api", "api.json", "--target", "aws", "--json"],
      undefined,
      awsTarget,
    );
    expect(unnamed.code).toBe(3);
    expect(JSON.parse(unnamed.stdout)).toMatchObject({
      status: "FAILED",
      error: { name: "TARGET_NOT_CONFIGURED", message: expect.stringContaining("api_function_name") },
    });

    const children = (await listProcesses()).filter((p) => p.ppid === child.pid).map((p) => p.pid);
    expect(children.length).toBeGreaterThan(0);
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    up = undefined;
    await expect(stat(join(cwd, ".hyperframes", "endpoints.json"))).rejects.toThrow();
    for (const pid of children) expect(await isRunning(pid)).toBe(false);
  });
});
