import { AppError } from "../../handlers/contracts/errors.js";

export type TargetKind = "local" | "aws";

/**
 * The local cloud unless asked otherwise: `--target aws` or HYPERFRAMES_TARGET=aws. Ambient AWS
 * credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...) never switch targets on their own.
 */
export function resolveTargetKind(flag: string | undefined, env: NodeJS.ProcessEnv): TargetKind {
  const [source, value] =
    flag !== undefined ? ["--target", flag] : ["HYPERFRAMES_TARGET", env.HYPERFRAMES_TARGET];
  if (value === undefined || value === "") return "local";
  const normalized = value.trim().toLowerCase();
  if (normalized === "local" || normalized === "aws") return normalized;
  throw new AppError("USAGE_ERROR", `${source} must be "local" or "aws", got ${JSON.stringify(value)}`);
}
