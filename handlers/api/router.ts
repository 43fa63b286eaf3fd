import { AppError } from "../contracts/errors.js";
import type { ApiRequest, FunctionUrlResult } from "./http.js";

/**
 * A small router for Function URL requests: `GET /status/:id`, `GET /stream/*key`. A path that matches
 * no route is a 404, a path that matches with another method a 405 (with `Allow`).
 */
export type RouteParams = Readonly<Record<string, string>>;
/** Per-request facts the routes need besides the request: the token (for stream capabilities). */
export interface RouteContext {
  /** The API token, undefined in iam mode. */
  readonly token: string | undefined;
}
export type RouteHandler = (
  request: ApiRequest,
  params: RouteParams,
  context: RouteContext,
) => Promise<FunctionUrlResult>;

export interface Route {
  readonly method: string;
  readonly pattern: string;
  /**
   * `token` (default): the bearer token is required. `none`: the page and its assets. `capability`:
   * no bearer token, the route checks a stream capability (signed with the token) itself.
   */
  readonly auth?: "token" | "none" | "capability";
  readonly handle: RouteHandler;
}

export type RouteMatch =
  | { kind: "found"; route: Route; params: RouteParams }
  | { kind: "method-not-allowed"; allowed: string[] }
  | { kind: "not-found" };

/** Matches `/a/:b/*c` against a raw path; segments are percent-decoded, `*c` takes the decoded rest. */
export function matchPattern(pattern: string, rawPath: string): RouteParams | undefined {
  const want = pattern.split("/").filter(Boolean);
  const have = rawPath.split("/");
  if (have[0] === "") have.shift();
  if (have.length > 0 && have[have.length - 1] === "" && !want.some((part) => part.startsWith("*")))
    have.pop();
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i] as string;
    if (part.startsWith("*")) {
      const rest = have.slice(i).join("/");
      if (rest === "") return undefined;
      params[part.slice(1)] = rest;
      return params;
    }
    const segment = have[i];
    if (segment === undefined) return undefined;
    if (part.startsWith(":")) {
      if (segment === "") return undefined;
      params[part.slice(1)] = safeDecode(segment);
    } else if (part !== segment) {
      return undefined;
    }
  }
  return have.length === want.length ? params : undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AppError("INVALID_REQUEST", `path: ${JSON.stringify(segment)} is not valid percent-encoding`);
  }
}

export function matchRoute(routes: readonly Route[], method: string, rawPath: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPattern(route.pattern, rawPath);
    if (!params) continue;
    if (route.method === method || (method === "HEAD" && route.method === "GET")) {
      return { kind: "found", route, params };
    }
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { kind: "method-not-allowed", allowed } : { kind: "not-found" };
}
