import { AppError, ERRORS, type ErrorName, toAppError } from "../contracts/errors.js";

/**
 * Lambda Function URL events (payload format 2.0) and results: only the fields this handler reads.
 * AWS documents the full shape under "Invoking Lambda function URLs"; local/function-url builds the same.
 */
export interface FunctionUrlEvent {
  version: "2.0";
  routeKey?: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  /** Lower-case names; repeated headers joined with commas. */
  headers: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined>;
  requestContext: {
    accountId?: string;
    apiId?: string;
    domainName: string;
    domainPrefix?: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey?: string;
    stage?: string;
    time?: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

export interface FunctionUrlResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  cookies?: string[];
}

/** The slice of the Lambda context the handler uses. */
export interface LambdaContextLike {
  awsRequestId?: string;
  functionName?: string;
  getRemainingTimeInMillis?: () => number;
}

/** One request, parsed once at the edge. */
export interface ApiRequest {
  readonly method: string;
  /** The decoded path (`%2F` stays encoded in `rawPath`; routes that need raw segments read that). */
  readonly path: string;
  readonly rawPath: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Raw body bytes (empty when none). */
  readonly body: Buffer;
  /** `https://<domain>` as the client reached us: base for absolute URLs in responses. */
  readonly origin: string;
  readonly requestId: string;
}

export function toApiRequest(event: FunctionUrlEvent): ApiRequest {
  const body = event.body
    ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8")
    : Buffer.alloc(0);
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const proto = headers["x-forwarded-proto"] ?? "https";
  const host = headers.host ?? event.requestContext.domainName;
  let path: string;
  try {
    path = decodeURIComponent(event.rawPath);
  } catch {
    path = event.rawPath;
  }
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path,
    rawPath: event.rawPath,
    query: new URLSearchParams(event.rawQueryString ?? ""),
    headers,
    body,
    origin: `${proto}://${host}`,
    requestId: event.requestContext.requestId,
  };
}

/** Parses a JSON object body, enforcing the size limit (413) and the shape (400). */
export function jsonBody(request: ApiRequest, maxBytes: number): Record<string, unknown> {
  if (request.body.length > maxBytes) {
    throw new AppError(
      "PAYLOAD_TOO_LARGE",
      `The request body has ${request.body.length} bytes; the limit is ${maxBytes}.`,
    );
  }
  if (request.body.length === 0) throw new AppError("INVALID_REQUEST", "body: a JSON object is required");
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString("utf8"));
  } catch {
    throw new AppError("INVALID_REQUEST", "body: not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new AppError("INVALID_REQUEST", "body: must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): FunctionUrlResult {
  return {
    statusCode,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}

export function text(
  statusCode: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
) {
  return {
    statusCode,
    headers: { "content-type": contentType, ...headers },
    body,
  } satisfies FunctionUrlResult;
}

export function redirect(location: string): FunctionUrlResult {
  return { statusCode: 302, headers: { location, "cache-control": "no-store" }, body: "" };
}

/** Every error response: `{error: <registry name>, message}` with the registry's HTTP status. */
export function errorResult(err: unknown, extra: Record<string, unknown> = {}): FunctionUrlResult {
  const appError = toAppError(err);
  const fields = appError.details?.fields;
  return json(ERRORS[appError.name].httpStatus, {
    error: appError.name,
    message: appError.message,
    ...(Array.isArray(fields) ? { fields } : {}),
    ...extra,
  });
}

export const fail = (name: ErrorName, message: string, details?: Record<string, unknown>): never => {
  throw new AppError(name, message, details ? { details } : {});
};
