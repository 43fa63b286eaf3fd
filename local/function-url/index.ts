import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { LOCAL_ACCOUNT_ID } from "../discovery.js";
import { listenOnLoopback } from "../loopback-server.js";

/**
 * A Lambda Function URL on 127.0.0.1: each HTTP request becomes a payload format 2.0 event, the handler's
 * result becomes the HTTP response, as AWS does it (including plain-object results and the 6 MB
 * request limit). The local cloud mounts the api handler here and writes the URL to the endpoints file.
 */

export interface FunctionUrlEventLike {
  version: "2.0";
  routeKey: "$default";
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: "$default";
    stage: "$default";
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

export interface FunctionUrlContextLike {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  getRemainingTimeInMillis(): number;
}

export interface StartFunctionUrlServerOptions {
  handler: (event: FunctionUrlEventLike, context: FunctionUrlContextLike) => Promise<unknown>;
  /** Default 127.0.0.1 (never bind elsewhere). */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Function name in the context (default `api`). */
  functionName?: string;
  /** Handler timeout in ms (default 900,000, Lambda's maximum); past it the client gets a 502. */
  timeoutMs?: number;
  /** Diagnostics (never stdout). */
  log?: (line: string) => void;
}

export interface FunctionUrlServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  stop(): Promise<void>;
}

/** AWS refuses Function URL requests over 6 MB (payload as Lambda receives it). */
export const FUNCTION_URL_MAX_REQUEST_BYTES = 6 * 1024 * 1024;

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|[\w.+-]*\+(json|xml)))/i;

export function buildFunctionUrlEvent(
  request: { method: string; url: string; headers: IncomingMessage["headers"]; remoteAddress?: string },
  body: Buffer,
  now: Date = new Date(),
): FunctionUrlEventLike {
  const questionMark = request.url.indexOf("?");
  const rawPath = questionMark >= 0 ? request.url.slice(0, questionMark) : request.url;
  const rawQueryString = questionMark >= 0 ? request.url.slice(questionMark + 1) : "";
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (name === "cookie") {
      cookies = (Array.isArray(value) ? value.join("; ") : value).split(/;\s*/).filter(Boolean);
      continue;
    }
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const host = headers.host ?? "127.0.0.1";
  headers["x-forwarded-proto"] = "http";
  headers["x-forwarded-for"] = request.remoteAddress ?? "127.0.0.1";
  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString) {
    queryStringParameters = {};
    for (const [name, value] of new URLSearchParams(rawQueryString)) {
      queryStringParameters[name] =
        name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
    }
  }
  const requestId = randomUUID();
  const isText = body.length === 0 || TEXT_TYPES.test(headers["content-type"] ?? "");
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: "anonymous",
      apiId: "local",
      domainName: host,
      domainPrefix: host.split(".")[0] ?? host,
      http: {
        method: request.method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: request.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey: "$default",
      stage: "$default",
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: isText ? body.toString("utf8") : body.toString("base64") } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/** A handler's return value as AWS turns it into HTTP: an object without statusCode is JSON, status 200. */
export function resultToHttp(result: unknown): HttpResult {
  if (result === undefined || result === null) {
    return {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      cookies: [],
      body: Buffer.alloc(0),
    };
  }
  if (typeof result === "string") {
    return {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      cookies: [],
      body: Buffer.from(result),
    };
  }
  const record = result as Record<string, unknown>;
  if (typeof record !== "object" || typeof record.statusCode !== "number") {
    return {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      cookies: [],
      body: Buffer.from(JSON.stringify(result)),
    };
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries((record.headers as Record<string, unknown> | undefined) ?? {})) {
    if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
  }
  const body =
    typeof record.body === "string"
      ? Buffer.from(record.body, record.isBase64Encoded ? "base64" : "utf8")
      : Buffer.alloc(0);
  const cookies = Array.isArray(record.cookies) ? record.cookies.map(String) : [];
  return { statusCode: record.statusCode, headers, cookies, body };
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on("end", () => resolve(tooLarge ? "too-large" : Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, result: HttpResult): void {
  const headers: Record<string, string | string[]> = { ...result.headers };
  if (result.cookies.length > 0) headers["set-cookie"] = result.cookies;
  headers["content-length"] = String(result.body.length);
  response.writeHead(result.statusCode, headers);
  response.end(result.body);
}

export async function startFunctionUrlServer(
  options: StartFunctionUrlServerOptions,
): Promise<FunctionUrlServer> {
  const host = options.host ?? "127.0.0.1";
  const functionName = options.functionName ?? "api";
  const timeoutMs = options.timeoutMs ?? 900_000;
  const log = options.log ?? (() => {});

  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request, FUNCTION_URL_MAX_REQUEST_BYTES);
      if (body === "too-large") {
        send(response, {
          statusCode: 413,
          headers: { "content-type": "application/json" },
          cookies: [],
          body: Buffer.from(
            JSON.stringify({
              Message: "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
            }),
          ),
        });
        return;
      }
      const event = buildFunctionUrlEvent(
        {
          method: request.method ?? "GET",
          url: request.url ?? "/",
          headers: request.headers,
          remoteAddress: request.socket.remoteAddress,
        },
        body,
      );
      const deadline = Date.now() + timeoutMs;
      const context: FunctionUrlContextLike = {
        awsRequestId: event.requestContext.requestId,
        functionName,
        functionVersion: "$LATEST",
        invokedFunctionArn: `arn:aws:lambda:us-east-1:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
        memoryLimitInMB: "512",
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      };
      let timer: NodeJS.Timeout | undefined;
      try {
        const result = await Promise.race([
          options.handler(event, context),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`Task timed out after ${timeoutMs / 1000} seconds`)),
              timeoutMs,
            );
          }),
        ]);
        send(response, resultToHttp(result));
      } catch (err) {
        log(`function url: ${functionName} failed: ${err instanceof Error ? err.message : String(err)}`);
        // What a Function URL answers when the function throws.
        send(response, {
          statusCode: 502,
          headers: { "content-type": "application/json" },
          cookies: [],
          body: Buffer.from(JSON.stringify({ Message: "Internal Server Error" })),
        });
      } finally {
        clearTimeout(timer);
      }
    })().catch((err: unknown) => {
      log(`function url: ${err instanceof Error ? err.message : String(err)}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  const listener = await listenOnLoopback(server, options.port, host);
  return { url: listener.endpoint, stop: listener.close };
}
