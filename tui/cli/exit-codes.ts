import { AppError, ERRORS, toAppError } from "../../handlers/contracts/errors.js";

/** 0 success, 1 the job failed or was cancelled, 2 usage or validation error, 3 environment or infrastructure. */
export const EXIT = { ok: 0, jobFailed: 1, usage: 2, environment: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitCodeFor(err: unknown): ExitCode {
  return ERRORS[toAppError(err).name].exitCode;
}

/** Errors from the network layer (refused, DNS, timeouts) mean the target is unreachable: exit 3. */
export function classifyInfrastructureError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return undefined;
  const code =
    (err as { code?: unknown; cause?: { code?: unknown } } | undefined)?.code ??
    (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  const name = (err as { name?: unknown } | undefined)?.name;
  const unreachable = ["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "EAI_AGAIN"];
  if ((typeof code === "string" && unreachable.includes(code)) || name === "TimeoutError") {
    return new AppError("ENDPOINT_UNREACHABLE", `Could not reach the service: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const credentialErrors = [
    "CredentialsProviderError",
    "ExpiredTokenException",
    "UnrecognizedClientException",
  ];
  if (typeof name === "string" && credentialErrors.includes(name)) {
    return new AppError("TARGET_NOT_CONFIGURED", `AWS credentials problem: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return undefined;
}
