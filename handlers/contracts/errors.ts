/**
 * The one error registry. Every error a user, a state machine Retry/Catch, the API or the CLI can see
 * has a stable UPPER_SNAKE name here, with whether retrying can help and a human hint.
 *
 * Step Functions matches on the Lambda `errorType`, which the Node.js runtime takes from `error.name`:
 * `AppError.name` is therefore always the registry name.
 */

export interface ErrorSpec {
  /** Whether the same input can succeed on a later attempt (drives Step Functions Retry). */
  readonly retryable: boolean;
  /** HTTP status when the API returns this error. */
  readonly httpStatus: number;
  /** CLI exit code: 1 job failed, 2 usage/validation, 3 environment/infrastructure. */
  readonly exitCode: 1 | 2 | 3;
  /** What to do about it, shown after the message. */
  readonly hint: string;
}

const spec = (retryable: boolean, httpStatus: number, exitCode: 1 | 2 | 3, hint: string): ErrorSpec => ({
  retryable,
  httpStatus,
  exitCode,
  hint,
});

export const ERRORS = {
  // ── Input validation (never retried) ───────────────────────────────────────────────────────────
  INVALID_CONFIG: spec(
    false,
    400,
    2,
    "Fix the named render config field; `hyperframes-tui render --help` lists the allowed values.",
  ),
  INVALID_EVENT: spec(
    false,
    400,
    2,
    "The event does not match the contract in handlers/contracts; see fixtures/events for valid samples.",
  ),
  INVALID_REQUEST: spec(false, 400, 2, "Fix the named field in the request body or query."),
  INVALID_PROJECT_ARCHIVE: spec(
    false,
    400,
    2,
    "Pack the project folder with `tar -czf project.tar.gz -C <folder> .`; links, devices and paths outside the folder are refused.",
  ),
  PROJECT_TOO_LARGE: spec(
    false,
    413,
    2,
    "Keep the project archive under the size and file-count limits, or move large media out of it.",
  ),
  MISSING_INDEX_HTML: spec(false, 400, 2, "A HyperFrames project needs an index.html at its root."),
  TOO_MANY_CHUNKS: spec(false, 400, 2, "Raise chunkSize so the job has at most 1,000 chunks."),
  FORMAT_NOT_SUPPORTED_IN_DISTRIBUTED: spec(
    false,
    400,
    2,
    "Use format mp4, webm or mov for distributed renders.",
  ),
  CHUNK_INDEX_OUT_OF_RANGE: spec(
    false,
    400,
    2,
    "The chunk index is not in the plan; start the job again instead of re-running one chunk.",
  ),
  NO_CHUNKS: spec(
    false,
    400,
    2,
    "The composition has no frames to render: check its duration (data-duration) and fps.",
  ),
  PLAN_HASH_MISMATCH: spec(false, 409, 1, "The plan changed under a running job; start the job again."),
  FFMPEG_VERSION_MISMATCH: spec(
    false,
    500,
    3,
    "Plan, chunks and assemble must run the same ffmpeg build; redeploy so every function uses one.",
  ),
  PLAN_TOO_LARGE: spec(
    false,
    413,
    2,
    "The plan exceeds the transport limit; split the composition or reduce embedded assets.",
  ),
  FONT_FETCH_UNAVAILABLE: spec(
    false,
    500,
    3,
    "Fonts could not be fetched; bundle the fonts in the project (the renderer works offline with bundled fonts).",
  ),
  UNSUPPORTED_MEDIA: spec(
    false,
    415,
    1,
    "The file is not a playable video (no decodable video stream). Upload an mp4, mov, mkv or webm with video.",
  ),
  EMPTY_UPLOAD: spec(false, 400, 1, "The uploaded file is empty; upload it again."),
  SOURCE_TOO_LONG: spec(
    false,
    413,
    1,
    "The source would not finish encoding within the function timeout; raise the media timeout or trim the video.",
  ),
  SOURCE_DIMENSIONS_TOO_LARGE: spec(
    false,
    413,
    1,
    "The source is larger than 8192 pixels on a side; downscale it before uploading.",
  ),
  VIDEO_NOT_FOUND: spec(false, 404, 2, "No video has that id; `hyperframes-tui videos` lists them."),
  JOB_NOT_FOUND: spec(false, 404, 2, "No job has that id; `hyperframes-tui jobs` lists them."),
  NOT_FOUND: spec(false, 404, 2, "Check the path; `GET /` serves the page and the README lists the routes."),
  METHOD_NOT_ALLOWED: spec(false, 405, 2, "Use the method the README lists for this route."),
  PAYLOAD_TOO_LARGE: spec(false, 413, 2, "Send a smaller body; upload files with the multipart routes."),
  UNAUTHORIZED: spec(
    false,
    401,
    2,
    "Send `Authorization: Bearer <token>`; the local token is in .hyperframes/endpoints.json.",
  ),
  CONFLICT: spec(
    false,
    409,
    2,
    "The resource is in a state that does not allow this; check its status first.",
  ),
  USAGE_ERROR: spec(false, 400, 2, "Run the command with --help to see its arguments."),

  // ── Transient (retried with backoff) ──────────────────────────────────────────────────────────
  DIGEST_MISMATCH: spec(
    true,
    502,
    3,
    "A downloaded artifact did not match its recorded SHA-256; the step is retried.",
  ),
  S3_TRANSIENT: spec(true, 503, 3, "S3 was slow or throttled; the step is retried with backoff."),
  BROWSER_CRASHED: spec(
    true,
    500,
    1,
    "Chromium exited during the render; the chunk is retried. Raise memory if it repeats.",
  ),
  RENDER_FAILED: spec(
    true,
    500,
    1,
    "The renderer failed; the step is retried. The cause names the failing frame or process.",
  ),
  TRANSCODE_FAILED: spec(true, 500, 1, "ffmpeg failed; the cause ends with ffmpeg's last stderr lines."),
  TRANSCRIPTION_FAILED: spec(
    true,
    500,
    1,
    "Speech-to-text failed; subtitles are skipped for this video and recorded in its status.",
  ),
  INVOCATION_TIMEOUT: spec(
    true,
    504,
    1,
    "The step ran past its timeout; raise the function timeout or lower chunkSize.",
  ),

  // ── Job outcomes and environment (CLI) ─────────────────────────────────────────────────────────
  JOB_FAILED: spec(false, 500, 1, "`hyperframes-tui history <job>` shows the failing step and its cause."),
  JOB_CANCELLED: spec(false, 409, 1, "The job was stopped before it finished."),
  JOB_TIMED_OUT: spec(false, 504, 1, "The job passed the state machine's timeout; see its history."),
  DEPENDENCY_MISSING: spec(
    false,
    500,
    3,
    "A required program or package is missing; run `npm ci` (and see README: Requirements).",
  ),
  ENDPOINT_UNREACHABLE: spec(
    true,
    503,
    3,
    "The service did not answer; check the target (`--target`) and that the local cloud or stack is up.",
  ),
  TARGET_NOT_CONFIGURED: spec(
    false,
    500,
    3,
    "For --target aws give the stack outputs: --outputs-file, HYPERFRAMES_OUTPUTS_FILE or the HYPERFRAMES_* variables.",
  ),
  LOCAL_CLOUD_BUSY: spec(
    false,
    409,
    3,
    "Another local cloud owns this data folder; stop it or set HYPERFRAMES_HOME.",
  ),
  INTERNAL_ERROR: spec(
    false,
    500,
    1,
    "An unexpected error; the cause has details. Please report it with the job id.",
  ),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ERRORS;

export const ERROR_NAMES = Object.keys(ERRORS) as ErrorName[];

/** Names Step Functions should retry. Used by the ASL builders in modules/ (never hand-listed there). */
export const RETRYABLE_ERROR_NAMES = ERROR_NAMES.filter((name) => ERRORS[name].retryable);
export const FATAL_ERROR_NAMES = ERROR_NAMES.filter((name) => !ERRORS[name].retryable);

/**
 * Error types Lambda itself reports (and the local workers reproduce): a crashed runtime, an out of
 * memory kill, a timeout, throttling. All transient from the state machine's point of view.
 */
export const LAMBDA_RUNTIME_ERROR_NAMES = [
  "Runtime.ExitError",
  "Runtime.OutOfMemory",
  "Sandbox.Timedout",
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
  "Lambda.Unknown",
] as const;

export function isErrorName(value: unknown): value is ErrorName {
  return typeof value === "string" && Object.hasOwn(ERRORS, value);
}

/** The error every part of the system throws. `name` is the registry name, `cause` the original. */
export class AppError extends Error {
  override readonly name: ErrorName;
  readonly retryable: boolean;
  /** Extra fields that help a user (e.g. `{ field: "fps", allowed: [24, 30, 60] }`). Keep it small. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    name: ErrorName,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.retryable = ERRORS[name].retryable;
    this.details = options.details;
  }

  get hint(): string {
    return ERRORS[this.name].hint;
  }

  /** The `{name, message}` shape used in CLI `--json` output, API bodies (as `error`) and statuses. */
  toJSON(): SerializedError {
    return { name: this.name, message: this.message };
  }
}

export interface SerializedError {
  name: string;
  message: string;
}

/** Turns anything thrown into an AppError, keeping AppErrors as they are. */
export function toAppError(err: unknown, fallback: ErrorName = "INTERNAL_ERROR"): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    if (isErrorName(code)) return new AppError(code, err.message, { cause: err });
    if (isErrorName(err.name)) return new AppError(err.name, err.message, { cause: err });
    return new AppError(fallback, err.message, { cause: err });
  }
  return new AppError(fallback, String(err));
}
