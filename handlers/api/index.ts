import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SSMClient } from "@aws-sdk/client-ssm";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { AppError, ERRORS, toAppError } from "../contracts/errors.js";
import { s3ClientOptions } from "../contracts/s3-client-options.js";
import { makeTokenProvider, requireToken } from "./auth.js";
import { type ApiConfig, readApiConfig } from "./config.js";
import type { ApiDeps } from "./deps.js";
import {
  type ApiRequest,
  errorResult,
  type FunctionUrlEvent,
  type FunctionUrlResult,
  type LambdaContextLike,
  toApiRequest,
} from "./http.js";
import { makePageRoutes } from "./page/routes.js";
import { makeRenderRoutes } from "./renders.js";
import { matchRoute, type Route } from "./router.js";
import { makeStreamRoutes } from "./stream.js";
import { makeUploadRoutes } from "./uploads.js";
import { makeVideoRoutes } from "./videos.js";

export type { ApiConfig } from "./config.js";
export type { ApiDeps } from "./deps.js";
export type { FunctionUrlEvent, FunctionUrlResult } from "./http.js";

export type ApiHandler = (event: FunctionUrlEvent, context?: LambdaContextLike) => Promise<FunctionUrlResult>;

/** Every route, in match order (the capability stream form before the plain one). */
export function apiRoutes(deps: ApiDeps): Route[] {
  const uploads = makeUploadRoutes(deps);
  const videos = makeVideoRoutes(deps);
  const stream = makeStreamRoutes(deps);
  const renders = makeRenderRoutes(deps);
  const page = makePageRoutes();
  return [
    { method: "GET", pattern: "/", auth: "none", handle: page.index },
    { method: "GET", pattern: "/assets/:name", auth: "none", handle: page.asset },
    { method: "POST", pattern: "/create_multipart_upload", handle: uploads.create },
    { method: "POST", pattern: "/sign_parts", handle: uploads.signParts },
    { method: "POST", pattern: "/list_parts", handle: uploads.listParts },
    { method: "POST", pattern: "/complete_multipart_upload", handle: uploads.complete },
    { method: "POST", pattern: "/abort_multipart_upload", handle: uploads.abort },
    { method: "GET", pattern: "/status/:id", handle: videos.status },
    { method: "GET", pattern: "/api/videos", handle: videos.list },
    { method: "GET", pattern: "/api/transcoding_status", handle: videos.inProgress },
    { method: "DELETE", pattern: "/api/video/:id", handle: videos.remove },
    {
      method: "GET",
      pattern: "/stream/s/:capability/*key",
      auth: "capability",
      handle: stream.withCapability,
    },
    { method: "GET", pattern: "/stream/*key", handle: stream.withToken },
    { method: "POST", pattern: "/api/projects", handle: renders.uploadProject },
    { method: "POST", pattern: "/api/renders", handle: renders.start },
    { method: "GET", pattern: "/api/renders", handle: renders.list },
    { method: "GET", pattern: "/api/renders/:id", handle: renders.get },
    { method: "DELETE", pattern: "/api/renders/:id", handle: renders.cancel },
  ];
}

const CORS_ALLOW_METHODS = "GET, HEAD, POST, DELETE, OPTIONS";
const CORS_ALLOW_HEADERS = "authorization, content-type";

/** CORS headers for an allowed `Origin` (CORS_ORIGINS: a list, or `*`); none otherwise. */
export function corsHeaders(config: ApiConfig, request: ApiRequest): Record<string, string> {
  const origin = request.headers.origin;
  if (!origin || config.corsOrigins.length === 0) return {};
  const any = config.corsOrigins.includes("*");
  if (!any && !config.corsOrigins.includes(origin)) return {};
  return {
    "access-control-allow-origin": any ? "*" : origin,
    "access-control-expose-headers": "x-next-cursor, location",
    ...(any ? {} : { vary: "Origin" }),
  };
}

/** The api Lambda: routes, bearer auth (constant time), CORS, registry errors as `{error, message}`. */
export function makeApiHandler(deps: ApiDeps): ApiHandler {
  const routes = apiRoutes(deps);
  const token = makeTokenProvider(deps.config, deps.ssm);

  return async (event) => {
    const request = toApiRequest(event);
    const cors = corsHeaders(deps.config, request);
    let result: FunctionUrlResult;
    if (request.method === "OPTIONS") {
      result = {
        statusCode: 204,
        headers: Object.keys(cors).length
          ? {
              ...cors,
              "access-control-allow-methods": CORS_ALLOW_METHODS,
              "access-control-allow-headers": CORS_ALLOW_HEADERS,
              "access-control-max-age": "600",
            }
          : {},
        body: "",
      };
      return result;
    }
    try {
      const match = matchRoute(routes, request.method, request.rawPath);
      if (match.kind === "not-found") {
        result = errorResult(new AppError("NOT_FOUND", `No route ${request.method} ${request.path}.`));
      } else if (match.kind === "method-not-allowed") {
        const allowed = [...new Set(match.allowed)].join(", ");
        result = errorResult(
          new AppError(
            "METHOD_NOT_ALLOWED",
            `${request.method} is not allowed on ${request.path}; use ${allowed}.`,
          ),
        );
        result.headers = { ...result.headers, allow: allowed };
      } else {
        // The page needs no token: it loads even while SSM is unreachable.
        const auth = match.route.auth ?? "token";
        const expected = auth === "none" ? undefined : await token();
        if (auth === "token") await requireToken(request, expected);
        result = await match.route.handle(request, match.params, { token: expected });
      }
    } catch (err) {
      const appError = toAppError(err);
      if (ERRORS[appError.name].httpStatus >= 500) {
        deps.log("request failed", {
          error: appError.name,
          message: appError.message,
          path: request.path,
          requestId: request.requestId,
        });
      }
      result = errorResult(appError);
    }
    if (result.statusCode === 401)
      result.headers = { ...result.headers, "www-authenticate": 'Bearer realm="hyperframes"' };
    if (request.method === "HEAD") result = { ...result, body: "" };
    return { ...result, headers: { ...result.headers, ...cors } };
  };
}

/** Production dependencies from the environment: one set of clients per container. */
export function defaultApiDeps(env: NodeJS.ProcessEnv = process.env): ApiDeps {
  const config = readApiConfig(env);
  const s3 = new S3Client(s3ClientOptions({ forcePathStyle: config.forcePathStyle }));
  let ssm: SSMClient | undefined;
  return {
    config,
    s3,
    sfn: new SFNClient({}),
    ssm: () => {
      ssm ??= new SSMClient({});
      return ssm;
    },
    presign: (command, expiresIn) =>
      command instanceof GetObjectCommand
        ? getSignedUrl(s3, command, { expiresIn })
        : command instanceof PutObjectCommand
          ? getSignedUrl(s3, command, { expiresIn })
          : getSignedUrl(s3, command, { expiresIn }),
    now: () => new Date(),
    log: (message, fields = {}) => console.log(JSON.stringify({ level: "info", message, ...fields })),
  };
}

let instance: ApiHandler | undefined;

/** The Lambda entry point (`handlers/api/index.handler`). Config is read on the first request. */
export const handler: ApiHandler = (event, context) => {
  instance ??= makeApiHandler(defaultApiDeps());
  return instance(event, context);
};
