import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { s3ClientOptions } from "../../handlers/contracts/s3-client-options.js";
import type { TargetEndpoints } from "../../handlers/contracts/stack-outputs.js";
import { dataDir, type EndpointsFile, LOCAL_CREDENTIALS, readEndpointsFile } from "../../local/discovery.js";
import type { CommandContext } from "../cli/command-context.js";
import { loadAwsTarget } from "./aws-target.js";
import { resolveTargetKind } from "./target-kind.js";

/** One deployment reached through AWS SDK clients: the same code path for AWS and the local cloud. */
export interface Connection {
  readonly endpoints: TargetEndpoints;
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  /** Stops an in-process local cloud this command started; a no-op otherwise. */
  close(): Promise<void>;
}

export function endpointsFromLocal(file: EndpointsFile): TargetEndpoints {
  return {
    kind: "local",
    region: file.region,
    bucket: file.bucket,
    renderStateMachineArn: file.renderStateMachineArn,
    mediaStateMachineArn: file.mediaStateMachineArn,
    s3Endpoint: file.s3Endpoint,
    sfnEndpoint: file.sfnEndpoint,
    apiToken: file.apiToken,
    ...(file.apiEndpoint ? { apiUrl: file.apiEndpoint } : {}),
    ...(file.lambdaEndpoint ? { lambdaEndpoint: file.lambdaEndpoint } : {}),
    renderFunctionName: "render",
    mediaFunctionName: "media",
    apiFunctionName: "api",
  };
}

export function clientsFor(endpoints: TargetEndpoints): { s3: S3Client; sfn: SFNClient } {
  if (endpoints.kind === "aws") {
    return {
      s3: new S3Client(s3ClientOptions({ region: endpoints.region })),
      sfn: new SFNClient({ region: endpoints.region }),
    };
  }
  return {
    s3: new S3Client(
      s3ClientOptions({
        region: endpoints.region,
        endpoint: endpoints.s3Endpoint,
        forcePathStyle: true,
        credentials: LOCAL_CREDENTIALS,
      }),
    ),
    sfn: new SFNClient({
      region: endpoints.region,
      endpoint: endpoints.sfnEndpoint,
      credentials: LOCAL_CREDENTIALS,
    }),
  };
}

/**
 * Connects to the command's target. Locally: the running instance for this data folder, or one
 * started in-process for the duration of the command (stopped by `close`).
 */
export async function connect(ctx: CommandContext): Promise<Connection> {
  const kind = resolveTargetKind(ctx.globals.target, ctx.env);
  if (kind === "aws") {
    const endpoints = await loadAwsTarget({
      env: ctx.env,
      cwd: ctx.cwd,
      ...(ctx.globals.outputsFile ? { outputsFile: ctx.globals.outputsFile } : {}),
      ...(ctx.globals.region ? { region: ctx.globals.region } : {}),
    });
    return { endpoints, ...clientsFor(endpoints), close: async () => {} };
  }
  const dir = dataDir(ctx.env, ctx.cwd);
  const running = await readEndpointsFile(dir);
  if (running) {
    const endpoints = endpointsFromLocal(running);
    return { endpoints, ...clientsFor(endpoints), close: async () => {} };
  }
  const { startLocalCloud } = await import("../../local/index.js");
  ctx.diagnostic(`starting the local cloud in ${dir} for this command`);
  const cloud = await startLocalCloud({ dataDir: dir, log: (line) => ctx.diagnostic(line) });
  const endpoints = endpointsFromLocal(cloud.endpoints);
  const clients = clientsFor(endpoints);
  return {
    endpoints,
    ...clients,
    close: async () => {
      clients.s3.destroy();
      clients.sfn.destroy();
      await cloud.stop();
    },
  };
}
