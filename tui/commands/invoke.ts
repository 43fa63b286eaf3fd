import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { InvokeCommand, type InvokeCommandOutput, ResourceNotFoundException } from "@aws-sdk/client-lambda";
import type { Command } from "commander";
import { AppError } from "../../handlers/contracts/errors.js";
import { STACK_OUTPUTS, type TargetEndpoints } from "../../handlers/contracts/stack-outputs.js";
import type { CommandContext, CommandOutcome } from "../cli/command-context.js";
import type { Executor } from "../cli/program.js";
import { connect } from "../target/connect.js";
import { lambdaClientFor } from "../target/lambda-client.js";

async function readEvent(ctx: CommandContext, file: string): Promise<unknown> {
  let text: string;
  try {
    if (file === "-") {
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.stdin) chunks.push(Buffer.from(chunk as Buffer));
      text = Buffer.concat(chunks).toString("utf8");
    } else {
      text = await readFile(resolve(ctx.cwd, file), "utf8");
    }
  } catch (err) {
    throw new AppError("USAGE_ERROR", `Cannot read the event ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AppError("INVALID_EVENT", `The event ${file} is not JSON: ${(err as Error).message}`);
  }
}

const FUNCTIONS = {
  render: { field: "renderFunctionName", output: STACK_OUTPUTS.renderFunctionName },
  media: { field: "mediaFunctionName", output: STACK_OUTPUTS.mediaFunctionName },
  api: { field: "apiFunctionName", output: STACK_OUTPUTS.apiFunctionName },
} as const satisfies Record<string, { field: keyof TargetEndpoints; output: string }>;
type FunctionKey = keyof typeof FUNCTIONS;
const isFunctionKey = (name: string): name is FunctionKey => Object.hasOwn(FUNCTIONS, name);

/** What Lambda answers for a function error (`X-Amz-Function-Error`): `{errorType, errorMessage, trace}`. */
function functionError(payload: string): { name: string; message: string } {
  try {
    const parsed = JSON.parse(payload) as { errorType?: unknown; errorMessage?: unknown };
    return {
      name: typeof parsed.errorType === "string" ? parsed.errorType : "Unhandled",
      message: typeof parsed.errorMessage === "string" ? parsed.errorMessage : payload,
    };
  } catch {
    return { name: "Unhandled", message: payload };
  }
}

/**
 * `invoke <function> <event.json>`: one synchronous run of a function with a sample event, like
 * `sam local invoke`, through the Lambda Invoke API: the local cloud's (a running instance, or one
 * started for the command) or, with `--target aws`, the deployed function named in the stack outputs.
 */
export async function invoke(
  ctx: CommandContext,
  functionName: string,
  eventFile: string,
): Promise<CommandOutcome> {
  if (!isFunctionKey(functionName)) {
    throw new AppError(
      "USAGE_ERROR",
      `No function ${JSON.stringify(functionName)}; functions: ${Object.keys(FUNCTIONS).join(", ")}`,
    );
  }
  const event = await readEvent(ctx, eventFile);
  const connection = await connect(ctx);
  const { endpoints } = connection;
  const lambda = lambdaClientFor(endpoints);
  try {
    const name = endpoints[FUNCTIONS[functionName].field];
    if (!name) {
      throw new AppError(
        "TARGET_NOT_CONFIGURED",
        `The stack outputs name no ${functionName} function: ${FUNCTIONS[functionName].output} is missing.`,
      );
    }
    if (endpoints.kind === "local" && !endpoints.lambdaEndpoint) {
      throw new AppError(
        "ENDPOINT_UNREACHABLE",
        "The running local cloud has no Lambda endpoint (started by an older version); restart `hyperframes-tui local up`.",
      );
    }
    let response: InvokeCommandOutput;
    try {
      response = await lambda.send(
        new InvokeCommand({
          FunctionName: name,
          InvocationType: "RequestResponse",
          LogType: "Tail",
          Payload: Buffer.from(JSON.stringify(event), "utf8"),
        }),
        { abortSignal: ctx.signal },
      );
    } catch (err) {
      if (err instanceof ResourceNotFoundException) {
        throw new AppError(
          "USAGE_ERROR",
          `No function ${name} on the ${endpoints.kind} target: ${err.message}`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
    // The function's own output (last 4 KB), as `sam local invoke` shows it: diagnostics, never stdout.
    if (response.LogResult) {
      for (const line of Buffer.from(response.LogResult, "base64").toString("utf8").split("\n")) {
        if (line !== "") ctx.diagnostic(line);
      }
    }
    const payload = response.Payload ? Buffer.from(response.Payload).toString("utf8") : "";
    if (response.FunctionError) {
      const error = functionError(payload);
      return {
        document: { status: "FAILED", function: functionName, error },
        lines: [`${functionName} failed: ${error.name}: ${error.message}`],
        exitCode: 1,
      };
    }
    const result: unknown = payload === "" ? null : JSON.parse(payload);
    return {
      document: { status: "SUCCEEDED", function: functionName, result },
      lines: [JSON.stringify(result, null, 2)],
      exitCode: 0,
    };
  } finally {
    lambda.destroy();
    await connection.close();
  }
}

export function registerInvoke(program: Command, execute: Executor): void {
  program
    .command("invoke")
    .description(
      "run one function (render, media, api) once with a sample event (local cloud, or --target aws)",
    )
    .argument("<function>", "render, media or api")
    .argument("<event>", "the event as a JSON file (- reads stdin); samples in fixtures/events")
    .action(async (functionName: string, eventFile: string, _flags: unknown, command: Command) =>
      execute(command, (ctx) => invoke(ctx, functionName, eventFile)),
    );
}
