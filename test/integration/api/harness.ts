import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SSMClient } from "@aws-sdk/client-ssm";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import S3rver from "s3rver";
import type { ApiDeps } from "../../../handlers/api/deps.js";
import { type ApiConfig, makeApiHandler } from "../../../handlers/api/index.js";
import { s3ClientOptions } from "../../../handlers/contracts/s3-client-options.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION, localStateMachineArn } from "../../../local/discovery.js";
import { BROWSER_CORS_XML } from "../../../local/function-url/bucket-cors.js";
import { startFunctionUrlServer } from "../../../local/function-url/index.js";
import { makePutsAtomic } from "../../../local/s3/atomic-puts.js";

export const TEST_BUCKET = "hyperframes-api-test";

export interface ApiHarness {
  /** The api's Function URL (`http://127.0.0.1:<port>`). */
  readonly url: string;
  readonly token: string;
  readonly s3: S3Client;
  readonly s3Endpoint: string;
  /** The SFN client the handler uses (mock it with aws-sdk-client-mock). */
  readonly sfn: SFNClient;
  readonly bucket: string;
  stop(): Promise<void>;
}

/**
 * The api handler behind the local Function URL server, on a real s3rver (in this process, its data in
 * a temp folder, the page's CORS rule on the bucket). Step Functions is a client the test mocks.
 */
export async function startApiHarness(overrides: Partial<ApiConfig> = {}): Promise<ApiHarness> {
  const directory = await mkdtemp(join(tmpdir(), "hf-api-s3-"));
  const s3rver = new S3rver({
    address: "127.0.0.1",
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: TEST_BUCKET, configs: [BROWSER_CORS_XML] }],
  });
  makePutsAtomic(s3rver);
  const { port } = await s3rver.run();
  const s3Endpoint = `http://127.0.0.1:${port}`;
  const s3 = new S3Client(
    s3ClientOptions({
      region: LOCAL_REGION,
      endpoint: s3Endpoint,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
    }),
  );
  // Never reached: tests mock this client; the endpoint is a closed port on loopback.
  const sfn = new SFNClient({
    region: LOCAL_REGION,
    endpoint: "http://127.0.0.1:9",
    credentials: LOCAL_CREDENTIALS,
  });
  const token = "test-token-0123456789abcdef";
  const config: ApiConfig = {
    bucket: TEST_BUCKET,
    renderStateMachineArn: localStateMachineArn("render"),
    authMode: "token",
    apiToken: token,
    apiTokenParameter: undefined,
    corsOrigins: ["http://allowed.example"],
    presignExpiresSeconds: 300,
    forcePathStyle: true,
    maxBodyBytes: 256 * 1024,
    streamUrlSeconds: 3600,
    completeWaitMs: 0,
    ...overrides,
  };
  const deps: ApiDeps = {
    config,
    s3,
    sfn,
    ssm: () =>
      new SSMClient({ region: LOCAL_REGION, endpoint: "http://127.0.0.1:9", credentials: LOCAL_CREDENTIALS }),
    presign: (command, expiresIn) =>
      getSignedUrl(s3, command as Parameters<typeof getSignedUrl>[1], { expiresIn }),
    now: () => new Date(),
    log: () => {},
  };
  const server = await startFunctionUrlServer({ handler: makeApiHandler(deps) });
  return {
    url: server.url,
    token,
    s3,
    s3Endpoint,
    sfn,
    bucket: TEST_BUCKET,
    async stop() {
      await server.stop();
      await s3rver.close();
      s3.destroy();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
