import { pathToFileURL } from "node:url";
import { type InvokeMessage, RUNTIME_ERRORS, type WorkerReply } from "./worker-protocol.js";

/**
 * One Lambda-like invocation in its own process: receives the event over IPC, imports the handler
 * module, runs `handler(event, context)` and replies with the result or the error as the Node.js
 * Lambda runtime reports it (`errorType` = `error.name`). The pool kills the process group afterwards.
 */

type Handler = (event: unknown, context: Record<string, unknown>) => Promise<unknown>;

function reply(message: WorkerReply): void {
  if (!process.send) {
    process.exit(70);
  }
  process.send(message, () => process.exit(0));
}

function errorReply(err: unknown, fallbackType = "Error"): WorkerReply & { type: "error" } {
  if (err instanceof Error) {
    return { type: "error", errorType: err.name || fallbackType, errorMessage: err.message };
  }
  return { type: "error", errorType: fallbackType, errorMessage: String(err) };
}

async function run(message: InvokeMessage): Promise<void> {
  let handler: Handler;
  try {
    const mod = (await import(pathToFileURL(message.modulePath).href)) as { handler?: unknown };
    if (typeof mod.handler !== "function") {
      reply({
        type: "error",
        errorType: RUNTIME_ERRORS.handlerNotFound,
        errorMessage: `${message.modulePath} does not export handler`,
      });
      return;
    }
    handler = mod.handler as Handler;
  } catch (err) {
    reply({
      type: "error",
      errorType: RUNTIME_ERRORS.importModule,
      errorMessage: (err as Error)?.message ?? String(err),
    });
    return;
  }
  const { deadlineMs, ...facts } = message.context;
  const context = {
    ...facts,
    functionVersion: "$LATEST",
    logGroupName: `/aws/lambda/${facts.functionName}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };
  try {
    const result = await handler(message.event, context);
    reply({ type: "result", result: result === undefined ? null : result });
  } catch (err) {
    reply(errorReply(err));
  }
}

process.once("message", (message: InvokeMessage) => {
  void run(message);
});
