import type { Command } from "commander";
import { dataDir, readEndpointsFile } from "../../local/discovery.js";
import type { GlobalOptions } from "../cli/command-context.js";
import type { CliIo, Executor } from "../cli/program.js";
import { contextFor } from "../cli/program.js";

/**
 * `local up`: the local cloud in the foreground until SIGINT/SIGTERM. It reports once, at start (the
 * endpoints; `--json`: one JSON line), so it prints its own output instead of returning an outcome.
 * `local status`: the running instance's endpoints, if any.
 */
export function registerLocal(program: Command, execute: Executor, io: CliIo): void {
  const local = program
    .command("local")
    .description("the local cloud: S3, Step Functions and Lambda-like workers on 127.0.0.1");

  local
    .command("up")
    .description("run the local cloud in the foreground until Ctrl-C (writes <data folder>/endpoints.json)")
    .option("--concurrency <n>", "workers running at once (default: number of cores)")
    .action(async (flags: { concurrency?: string }, command: Command) => {
      const ctx = contextFor(io, command.optsWithGlobals<GlobalOptions>());
      const { startLocalCloud } = await import("../../local/index.js");
      const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
      if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
        const { AppError } = await import("../../handlers/contracts/errors.js");
        throw new AppError(
          "USAGE_ERROR",
          `--concurrency must be a whole number of workers, got ${JSON.stringify(flags.concurrency)}`,
        );
      }
      const cloud = await startLocalCloud({
        dataDir: dataDir(ctx.env, ctx.cwd),
        log: (line) => ctx.diagnostic(line),
        workerLogs: true,
        ...(concurrency !== undefined ? { concurrency } : {}),
      });
      const e = cloud.endpoints;
      if (ctx.mode === "json") {
        ctx.stdout.write(
          `${JSON.stringify({ status: "RUNNING", s3Endpoint: e.s3Endpoint, sfnEndpoint: e.sfnEndpoint, lambdaEndpoint: e.lambdaEndpoint, apiEndpoint: e.apiEndpoint, apiToken: e.apiToken, dataDir: e.dataDir, bucket: e.bucket, region: e.region, renderStateMachineArn: e.renderStateMachineArn, mediaStateMachineArn: e.mediaStateMachineArn, pid: e.pid })}\n`,
        );
      } else {
        for (const line of [
          `S3              ${e.s3Endpoint}  (bucket ${e.bucket})`,
          `Step Functions  ${e.sfnEndpoint}`,
          `Lambda          ${e.lambdaEndpoint ?? "-"}`,
          `API             ${e.apiEndpoint ?? "(no api handler in this checkout)"}`,
          `API token       ${e.apiToken}`,
          `data folder     ${e.dataDir}`,
          "Ctrl-C stops it.",
        ]) {
          ctx.stdout.write(`${line}\n`);
        }
      }
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) return resolve();
        ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      ctx.diagnostic("stopping the local cloud");
      await cloud.stop();
    });

  local
    .command("status")
    .description("show the running local cloud's endpoints for this data folder")
    .action(async (_flags: unknown, command: Command) =>
      execute(command, async (ctx) => {
        const dir = dataDir(ctx.env, ctx.cwd);
        const running = await readEndpointsFile(dir);
        if (!running)
          return {
            document: { status: "STOPPED", dataDir: dir },
            lines: [`no local cloud is running for ${dir}`],
            exitCode: 0,
          };
        return {
          document: { status: "RUNNING", ...running },
          lines: [
            `running (pid ${running.pid}): S3 ${running.s3Endpoint}, Step Functions ${running.sfnEndpoint}, Lambda ${running.lambdaEndpoint ?? "-"}, API ${running.apiEndpoint ?? "-"}`,
          ],
          exitCode: 0,
        };
      }),
    );
}
