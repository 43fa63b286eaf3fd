import { API_DEFAULTS } from "../contracts/api-settings.js";
import { AppError } from "../contracts/errors.js";
import { ENV } from "../contracts/handler-environment.js";

/** The api function's settings, read once from the environment (names in handlers/contracts). */
export interface ApiConfig {
  readonly bucket: string;
  readonly renderStateMachineArn: string | undefined;
  /** `token`: bearer token checked here (default). `iam`: the Function URL uses AWS_IAM; no check here. */
  readonly authMode: "token" | "iam";
  /** The token itself (local cloud). */
  readonly apiToken: string | undefined;
  /** SSM SecureString parameter holding the token (AWS). */
  readonly apiTokenParameter: string | undefined;
  /** Allowed browser origins; `*` allows any. Empty: no CORS headers (same-origin page only). */
  readonly corsOrigins: readonly string[];
  /** Lifetime of presigned S3 URLs (parts, stream redirects, downloads). */
  readonly presignExpiresSeconds: number;
  readonly forcePathStyle: boolean;
  /** JSON bodies larger than this are refused with 413. */
  readonly maxBodyBytes: number;
  /** Lifetime of the stream capability URLs handed to players (one playback session). */
  readonly streamUrlSeconds: number;
  /**
   * How long complete_multipart_upload waits for ingest's `queued` status before answering, so a
   * client polling /status right away finds it (ingest hashes the same bytes at the same time).
   */
  readonly completeWaitMs: number;
}

export function readApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const bucket = env[ENV.bucketName];
  if (!bucket)
    throw new AppError("INTERNAL_ERROR", `${ENV.bucketName} is not set: the api function needs its bucket.`);
  const authMode = (env[ENV.apiAuthMode] ?? "token").toLowerCase();
  if (authMode !== "token" && authMode !== "iam") {
    throw new AppError(
      "INTERNAL_ERROR",
      `${ENV.apiAuthMode} must be "token" or "iam", not ${JSON.stringify(authMode)}.`,
    );
  }
  const apiToken = env[ENV.apiToken] || undefined;
  const apiTokenParameter = env[ENV.apiTokenParameter] || undefined;
  if (authMode === "token" && !apiToken && !apiTokenParameter) {
    throw new AppError(
      "INTERNAL_ERROR",
      `Set ${ENV.apiToken} or ${ENV.apiTokenParameter} (or ${ENV.apiAuthMode}=iam): the API refuses to run open.`,
    );
  }
  const presign = Number(env[ENV.presignExpiresSeconds] ?? API_DEFAULTS.presignExpiresSeconds);
  if (!Number.isInteger(presign) || presign < 1 || presign > 604_800) {
    throw new AppError(
      "INTERNAL_ERROR",
      `${ENV.presignExpiresSeconds} must be 1..604800 seconds, not ${presign}.`,
    );
  }
  return Object.freeze({
    bucket,
    renderStateMachineArn: env[ENV.renderStateMachineArn] || undefined,
    authMode,
    apiToken,
    apiTokenParameter,
    corsOrigins: Object.freeze(
      (env[ENV.corsOrigins] ?? "")
        .split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
    presignExpiresSeconds: presign,
    forcePathStyle: env[ENV.s3ForcePathStyle] === "true",
    maxBodyBytes: API_DEFAULTS.maxBodyBytes,
    streamUrlSeconds: API_DEFAULTS.streamUrlSeconds,
    completeWaitMs: API_DEFAULTS.completeWaitMs,
  });
}
