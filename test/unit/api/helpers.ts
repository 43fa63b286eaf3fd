import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { ApiConfig } from "../../../handlers/api/config.js";
import type { ApiDeps } from "../../../handlers/api/deps.js";
import type { FunctionUrlEvent } from "../../../handlers/api/http.js";
import { buildFunctionUrlEvent } from "../../../local/function-url/index.js";

export const TOKEN = "unit-test-token-000000000000";

export function testConfig(overrides: Partial<ApiConfig> = {}): ApiConfig {
  return {
    bucket: "unit-bucket",
    renderStateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:hyperframes-render",
    authMode: "token",
    apiToken: TOKEN,
    apiTokenParameter: undefined,
    corsOrigins: [],
    presignExpiresSeconds: 60,
    forcePathStyle: true,
    maxBodyBytes: 1024,
    streamUrlSeconds: 3600,
    completeWaitMs: 0,
    ...overrides,
  };
}

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

/** Clients pointed at a closed loopback port: tests mock them with aws-sdk-client-mock. */
export function testDeps(
  overrides: Partial<ApiDeps> = {},
): ApiDeps & { s3: S3Client; sfn: SFNClient; ssmClient: SSMClient } {
  const s3 = new S3Client({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:9",
    forcePathStyle: true,
    credentials,
  });
  const sfn = new SFNClient({ region: "us-east-1", endpoint: "http://127.0.0.1:9", credentials });
  const ssmClient = new SSMClient({ region: "us-east-1", endpoint: "http://127.0.0.1:9", credentials });
  return {
    config: testConfig(),
    s3,
    sfn,
    ssm: () => ssmClient,
    ssmClient,
    presign: async (command, expiresIn) =>
      `https://signed.example/${command.constructor.name}?expires=${expiresIn}`,
    now: () => new Date("2026-06-01T12:00:00Z"),
    log: () => {},
    ...overrides,
  };
}

export function event(
  method: string,
  url: string,
  options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): FunctionUrlEvent {
  const headers: Record<string, string> = { host: "abc.lambda-url.us-east-1.on.aws", ...options.headers };
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body = Buffer.alloc(0);
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = Buffer.from(JSON.stringify(options.body));
  }
  return buildFunctionUrlEvent({ method, url, headers }, body);
}

export function parse(result: { body?: string }): Record<string, unknown> {
  return JSON.parse(result.body ?? "null") as Record<string, unknown>;
}
