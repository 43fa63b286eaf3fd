import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { listenOnLoopback } from "../loopback-server.js";
import { functionNameOf } from "../sfn/engine.js";
import { InvocationError, type InvokeOptions } from "../workers/worker-pool.js";

/**
 * The Lambda Invoke API (restJson1, `POST /2015-03-31/functions/{FunctionName}/invocations`) over the
 * local workers, enough for `@aws-sdk/client-lambda`'s `InvokeCommand` with the RequestResponse
 * invocation type, so `hyperframes-tui invoke` reaches the local cloud as it reaches AWS:
 * - the result is the 200 body (JSON), `X-Amz-Executed-Version: $LATEST`;
 * - an error of the function (thrown by the handler, or the runtime's own: `Runtime.ExitError`,
 *   `Sandbox.Timedout`, ...) is also a 200, with `X-Amz-Function-Error: Unhandled` and the body
 *   `{errorType, errorMessage, trace}`, as Lambda answers;
 * - `X-Amz-Log-Type: Tail` returns the invocation's last 4 KB of output in `X-Amz-Log-Result` (base64);
 * - an unknown function is a 404 `ResourceNotFoundException`, a payload over 6 MB a 413
 *   `RequestTooLargeException`, other invocation types a 400 `InvalidParameterValueException`.
 * Signatures are not checked (the local credentials are public).
 */

/** Lambda's synchronous payload limit (request and response). */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
const LOG_TAIL_BYTES = 4096;
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** What the server needs from the worker pool. */
export interface LambdaInvoker {
  readonly functionNames: readonly string[];
  invoke(functionName: string, event: unknown, options?: InvokeOptions): Promise<unknown>;
}

class LambdaApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": headers["x-amzn-requestid"] ?? randomUUID(),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: LambdaApiError): void {
  // Lambda's service errors: the type in x-amzn-ErrorType, `{Type, message}` in the body.
  const type = err.httpStatus >= 500 ? "Service" : "User";
  sendJson(res, err.httpStatus, JSON.stringify({ Type: type, message: err.message }), {
    "x-amzn-errortype": err.code,
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_SYNC_PAYLOAD_BYTES) {
      throw new LambdaApiError(
        "RequestTooLargeException",
        `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
        413,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export async function handleLambdaRequest(
  invoker: LambdaInvoker,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = randomUUID();
  try {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const match = INVOKE_PATH.exec(path);
    if (req.method !== "POST" || !match?.[1]) {
      throw new LambdaApiError(
        "UnknownOperationException",
        `The local cloud's Lambda API implements Invoke only, not ${req.method} ${path}`,
        404,
      );
    }
    const requested = decodeURIComponent(match[1]);
    const name = functionNameOf(requested);
    if (!invoker.functionNames.includes(name)) {
      throw new LambdaApiError("ResourceNotFoundException", `Function not found: ${requested}`, 404);
    }
    const invocationType = header(req, "x-amz-invocation-type") ?? "RequestResponse";
    if (invocationType !== "RequestResponse") {
      throw new LambdaApiError(
        "InvalidParameterValueException",
        `The local cloud supports the RequestResponse invocation type only, not ${invocationType}`,
        400,
      );
    }
    const body = await readBody(req);
    let event: unknown = {};
    if (body.length > 0) {
      try {
        event = JSON.parse(body.toString("utf8"));
      } catch {
        throw new LambdaApiError(
          "InvalidRequestContentException",
          "Could not parse request body into json",
          400,
        );
      }
    }
    const tail = header(req, "x-amz-log-type") === "Tail";
    let log = "";
    const options: InvokeOptions = {
      tag: "invoke",
      ...(tail
        ? {
            onLog: (line: string) => {
              log = `${log}${line}\n`.slice(-LOG_TAIL_BYTES);
            },
          }
        : {}),
    };
    const headers: Record<string, string> = {
      "x-amzn-requestid": requestId,
      "x-amz-executed-version": "$LATEST",
    };
    const withLog = () =>
      tail ? { ...headers, "x-amz-log-result": Buffer.from(log, "utf8").toString("base64") } : headers;
    let result: unknown;
    try {
      result = await invoker.invoke(name, event, options);
    } catch (err) {
      if (!(err instanceof InvocationError)) throw err;
      if (err.errorType === "Lambda.ServiceException") {
        throw new LambdaApiError("ServiceException", err.message, 500);
      }
      const payload = { errorType: err.errorType, errorMessage: err.message, trace: [] as string[] };
      sendJson(res, 200, JSON.stringify(payload), { ...withLog(), "x-amz-function-error": "Unhandled" });
      return;
    }
    const text = JSON.stringify(result ?? null);
    if (Buffer.byteLength(text) > MAX_SYNC_PAYLOAD_BYTES) {
      const payload = {
        errorType: "Function.ResponseSizeTooLarge",
        errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_SYNC_PAYLOAD_BYTES} bytes).`,
        trace: [] as string[],
      };
      sendJson(res, 200, JSON.stringify(payload), { ...withLog(), "x-amz-function-error": "Unhandled" });
      return;
    }
    sendJson(res, 200, text, withLog());
  } catch (err) {
    if (res.headersSent) return;
    sendError(
      res,
      err instanceof LambdaApiError
        ? err
        : new LambdaApiError("ServiceException", (err as Error).message, 500),
    );
  }
}

export interface LambdaApiServer {
  /** `http://127.0.0.1:<port>`: the endpoint for `new LambdaClient({ endpoint })`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

export async function startLambdaApiServer(invoker: LambdaInvoker, port = 0): Promise<LambdaApiServer> {
  const server: Server = createServer((req, res) => {
    void handleLambdaRequest(invoker, req, res);
  });
  server.keepAliveTimeout = 5000;
  return listenOnLoopback(server, port);
}
