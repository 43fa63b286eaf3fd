import {
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../local/discovery.js";
import { type LambdaApiServer, startLambdaApiServer } from "../../../local/lambda/api-server.js";
import { nodeBinary } from "../../../local/node-binary.js";
import { type InvocationRecord, WorkerPool } from "../../../local/workers/worker-pool.js";
import { testFunctions } from "./fixtures/test-machines.js";

/** The local Lambda Invoke API through the real @aws-sdk/client-lambda, over real worker processes. */

const records: InvocationRecord[] = [];
const pool = new WorkerPool({
  functions: testFunctions({ timeoutSeconds: 5, memoryMb: 256 }),
  concurrency: 2,
  env: { PATH: process.env.PATH ?? "" },
  nodePath: nodeBinary(),
  onInvocation: (record) => records.push(record),
});
let server: LambdaApiServer;
let lambda: LambdaClient;

beforeAll(async () => {
  server = await startLambdaApiServer(pool);
  lambda = new LambdaClient({
    region: LOCAL_REGION,
    endpoint: server.endpoint,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  lambda.destroy();
  await server.close();
  await pool.stop();
});

const invoke = (functionName: string, event: unknown, logTail = false): Promise<InvokeCommandOutput> =>
  lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      Payload: Buffer.from(JSON.stringify(event)),
      ...(logTail ? { LogType: "Tail" as const } : {}),
    }),
  );

const text = (payload: Uint8Array | undefined): string => Buffer.from(payload ?? []).toString("utf8");

describe("local Lambda Invoke API", () => {
  it("returns the handler's result, by name or by ARN, with the log tail when asked", async () => {
    const byName = await invoke(
      "test",
      { Action: "echo", Value: { a: 1 }, Log: "hello from the handler" },
      true,
    );
    expect(byName.StatusCode).toBe(200);
    expect(byName.FunctionError).toBeUndefined();
    expect(byName.ExecutedVersion).toBe("$LATEST");
    const result = JSON.parse(text(byName.Payload)) as { Value: unknown; RequestId: string };
    expect(result.Value).toEqual({ a: 1 });
    expect(Buffer.from(byName.LogResult ?? "", "base64").toString("utf8")).toContain(
      "hello from the handler",
    );
    // It ran on the pool (billing facts recorded), not somewhere else.
    expect(records.find((r) => r.requestId === result.RequestId)).toMatchObject({ functionName: "test" });

    const byArn = await invoke("arn:aws:lambda:us-east-1:000000000000:function:test", { Action: "echo" });
    expect(byArn.FunctionError).toBeUndefined();
    expect(byArn.LogResult).toBeUndefined();
  });

  it("answers a thrown error as Lambda does: 200, X-Amz-Function-Error Unhandled, {errorType, errorMessage, trace}", async () => {
    const failed = await invoke("test", { Action: "fail" });
    expect(failed.StatusCode).toBe(200);
    expect(failed.FunctionError).toBe("Unhandled");
    expect(JSON.parse(text(failed.Payload))).toEqual({
      errorType: "INVALID_CONFIG",
      errorMessage: "fps must be one of 24, 30, 60",
      trace: [],
    });
  });

  it("answers a crashed worker with the runtime's error type", async () => {
    const crashed = await invoke("test", { Action: "crash" });
    expect(crashed.FunctionError).toBe("Unhandled");
    expect(JSON.parse(text(crashed.Payload))).toMatchObject({ errorType: "Runtime.ExitError" });
  });

  it("refuses an unknown function with ResourceNotFoundException", async () => {
    await expect(invoke("nope", {})).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
