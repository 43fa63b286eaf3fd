/** Messages between the worker pool and one worker process (Node IPC). */

export type WorkerMessage = InitMessage | InvokeMessage;

export interface InvokeMessage {
  type: "invoke";
  modulePath: string;
  event: unknown;
  context: {
    functionName: string;
    invokedFunctionArn: string;
    awsRequestId: string;
    memoryLimitInMB: number;
    /** Epoch milliseconds at which the invocation times out. */
    deadlineMs: number;
  };
}

/** Sent once after start: import the handler module (Lambda's INIT phase), then reply `ready`. */
export interface InitMessage {
  type: "init";
  modulePath: string;
}

export type WorkerReply =
  | { type: "ready" }
  | { type: "result"; result: unknown }
  | { type: "error"; errorType: string; errorMessage: string };

/** The Lambda runtime's own error types for failures outside the handler's control. */
export const RUNTIME_ERRORS = {
  exit: "Runtime.ExitError",
  outOfMemory: "Runtime.OutOfMemory",
  timeout: "Sandbox.Timedout",
  importModule: "Runtime.ImportModuleError",
  handlerNotFound: "Runtime.HandlerNotFound",
} as const;
