import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { AppError } from "../contracts/errors.js";
import type { ApiConfig } from "./config.js";
import type { ApiRequest } from "./http.js";

/** Resolves the bearer token once per container: API_TOKEN locally, the SSM SecureString in AWS. */
export type TokenProvider = () => Promise<string | undefined>;

export function makeTokenProvider(config: ApiConfig, ssm: () => SSMClient): TokenProvider {
  if (config.authMode === "iam") return async () => undefined;
  if (config.apiToken) {
    const token = config.apiToken;
    return async () => token;
  }
  const name = config.apiTokenParameter as string;
  let pending: Promise<string> | undefined;
  return () => {
    pending ??= fetchParameter(ssm(), name).catch((err: unknown) => {
      pending = undefined; // a failed fetch is retried by the next request, not cached
      throw err;
    });
    return pending;
  };
}

async function fetchParameter(ssm: SSMClient, name: string): Promise<string> {
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const value = out.Parameter?.Value;
    if (!value) throw new AppError("INTERNAL_ERROR", `The SSM parameter ${name} is empty.`);
    return value;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError("ENDPOINT_UNREACHABLE", `Could not read the API token from SSM parameter ${name}.`, {
      cause: err,
    });
  }
}

/** Compares in constant time whatever the lengths (both sides hashed to 32 bytes first). */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

export function bearerToken(request: ApiRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Throws UNAUTHORIZED unless the request carries the right bearer token (token mode). */
export async function requireToken(request: ApiRequest, expected: string | undefined): Promise<void> {
  if (expected === undefined) return; // iam mode: AWS checked the signature before we ran
  const given = bearerToken(request);
  if (given === undefined)
    throw new AppError("UNAUTHORIZED", "Missing `Authorization: Bearer <token>` header.");
  if (!tokensEqual(given, expected)) throw new AppError("UNAUTHORIZED", "The bearer token is not valid.");
}

/**
 * Stream capabilities: `/stream/s/<expires>.<signature>/processed/<videoId>/...` lets a player (which
 * cannot send our bearer header) read one video's outputs until `expires` (unix seconds). The signature
 * is an HMAC of `<expires>:<videoId>` under a key derived from the API token, so rotating the token
 * revokes every capability. In iam mode there is no token: capabilities are not checked (the Function
 * URL itself requires SigV4 there).
 */
export function streamCapability(token: string | undefined, videoId: string, expires: number): string {
  return `${expires}.${capabilitySignature(token ?? "", videoId, expires)}`;
}

function capabilitySignature(token: string, videoId: string, expires: number): string {
  const key = createHmac("sha256", token).update("hyperframes-stream-v1").digest();
  return createHmac("sha256", key).update(`${expires}:${videoId}`).digest("base64url");
}

export function verifyStreamCapability(
  token: string | undefined,
  capability: string,
  videoId: string,
  nowSeconds: number,
): void {
  if (token === undefined) return;
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(capability);
  if (!match) throw new AppError("UNAUTHORIZED", "The stream URL is malformed; ask the API for a new one.");
  const expires = Number(match[1]);
  const expected = capabilitySignature(token, videoId, expires);
  if (!tokensEqual(match[2] as string, expected)) {
    throw new AppError("UNAUTHORIZED", "The stream URL's signature is not valid for this video.");
  }
  if (expires < nowSeconds)
    throw new AppError("UNAUTHORIZED", "The stream URL has expired; reload the video.");
}
