/** Messages between the worker pool and one worker process (Node IPC). */

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

export type WorkerReply =
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
