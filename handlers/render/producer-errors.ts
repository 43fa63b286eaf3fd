import { AppError, type ErrorName, isErrorName } from "../contracts/errors.js";

/**
 * Producer error codes (`err.code`) and class names to registry names. Codes that already are registry
 * names (PLAN_HASH_MISMATCH, FFMPEG_VERSION_MISMATCH, FORMAT_NOT_SUPPORTED_IN_DISTRIBUTED,
 * CHUNK_INDEX_OUT_OF_RANGE, FONT_FETCH_UNAVAILABLE, PLAN_TOO_LARGE) map to themselves.
 */
export const PRODUCER_CODE_TO_ERROR: Readonly<Record<string, ErrorName>> = Object.freeze({
  // A plan v2 manifest or blob failed the producer's own integrity check: immutable, retry cannot help.
  PLAN_V2_INTEGRITY_UNRECOVERABLE: "PLAN_HASH_MISMATCH",
  // A plan artifact missing on the worker: a partial download a retry can heal.
  MISSING_PLAN_ARTIFACT: "DIGEST_MISMATCH",
  MISSING_RUNTIME_ENV_SNAPSHOT: "PLAN_HASH_MISMATCH",
  PLAN_PROTOCOL_UNSUPPORTED: "PLAN_HASH_MISMATCH",
  INVALID_VIDEO_METADATA: "RENDER_FAILED",
  BROWSER_GPU_NOT_SOFTWARE: "RENDER_FAILED",
  DISTRIBUTED_DURATION_OUT_OF_RANGE: "INVALID_CONFIG",
  SYSTEM_FONT_USED: "INVALID_CONFIG",
});

const PRODUCER_NAME_TO_ERROR: Readonly<Record<string, ErrorName>> = Object.freeze({
  InvalidConfigError: "INVALID_CONFIG",
  FormatNotSupportedInDistributedError: "FORMAT_NOT_SUPPORTED_IN_DISTRIBUTED",
  PlanTooLargeError: "PLAN_TOO_LARGE",
  PlanV2IntegrityError: "PLAN_HASH_MISMATCH",
});

const BROWSER_CRASH =
  /Target closed|Browser closed|Browser has disconnected|Session closed|Protocol error|Navigation failed because browser has disconnected|crashed/i;
const SYSTEM_FONT = /system font|primary font/i;

/** Turns an error thrown by the producer into an AppError; `fallback` for what we cannot classify. */
export function mapProducerError(err: unknown, fallback: ErrorName = "RENDER_FAILED"): AppError {
  if (err instanceof AppError) return err;
  if (!(err instanceof Error)) return new AppError(fallback, String(err));
  const code = (err as Error & { code?: unknown }).code;
  if (typeof code === "string") {
    if (isErrorName(code)) return new AppError(code, err.message, { cause: err });
    const mapped = PRODUCER_CODE_TO_ERROR[code];
    if (mapped) return new AppError(mapped, `${code}: ${err.message}`, { cause: err });
  }
  const byName = PRODUCER_NAME_TO_ERROR[err.name] ?? PRODUCER_NAME_TO_ERROR[err.constructor.name];
  if (byName) return new AppError(byName, err.message, { cause: err });
  if (/entry file not found/i.test(err.message))
    return new AppError("MISSING_INDEX_HTML", err.message, { cause: err });
  if (SYSTEM_FONT.test(err.message) && fallback !== "RENDER_FAILED")
    return new AppError("INVALID_CONFIG", err.message, { cause: err });
  if (BROWSER_CRASH.test(err.message)) return new AppError("BROWSER_CRASHED", err.message, { cause: err });
  return new AppError(fallback, err.message, { cause: err });
}
