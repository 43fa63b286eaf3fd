import { pathToFileURL } from "node:url";
import {
  type InvokeMessage,
  RUNTIME_ERRORS,
  type WorkerMessage,
  type WorkerReply,
} from "./worker-protocol.js";

/**
 * One Lambda-like invocation in its own process: receives the event over IPC, imports the handler
 * module, runs `handler(event, context)` and replies with the result or the error as the Node.js
 * Lambda runtime reports it (`errorType` = `error.name`). The pool kills what the invocation started
 * afterwards, and either keeps this process warm for the next event or kills it.
 */

type Handler = (event: unknown, context: Record<string, unknown>) => Promise<unknown>;

function reply(message: WorkerReply): void {
  if (!process.send) process.exit(70);
  process.send(message);
}

function errorReply(err: unknown, fallbackType = "Error"): WorkerReply & { type: "error" } {
  if (err instanceof Error) {
    return { type: "error", errorType: err.name || fallbackType, errorMessage: err.message };
  }
  return { type: "error", errorType: fallbackType, errorMessage: String(err) };
}

/** Imports the handler module once (Lambda's INIT); the error reply when that fails. */
let loaded: Promise<Handler | WorkerReply> | undefined;
function load(modulePath: string): Promise<Handler | WorkerReply> {
  loaded ??= (async () => {
    try {
      const mod = (await import(pathToFileURL(modulePath).href)) as { handler?: unknown };
      if (typeof mod.handler !== "function") {
        return {
          type: "error",
          errorType: RUNTIME_ERRORS.handlerNotFound,
          errorMessage: `${modulePath} does not export handler`,
        } as const;
      }
      return mod.handler as Handler;
    } catch (err) {
      return {
        type: "error",
        errorType: RUNTIME_ERRORS.importModule,
        errorMessage: (err as Error)?.message ?? String(err),
      } as const;
    }
  })();
  return loaded;
}

async function run(message: InvokeMessage): Promise<void> {
  const handler = await load(message.modulePath);
  if (typeof handler !== "function") {
    reply(handler);
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

// One invocation at a time; a warm worker receives the next event after its reply.
process.on("message", (message: WorkerMessage) => {
  if (message.type === "init") {
    // INIT failures are reported on the first invocation, as Lambda does.
    void load(message.modulePath).then(() => reply({ type: "ready" }));
    return;
  }
  void run(message);
});
process.on("disconnect", () => process.exit(0));
