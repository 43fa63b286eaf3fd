import type { z } from "zod";
import { AppError, type ErrorName } from "./errors.js";

/**
 * One readable line per problem, naming the field: `Config.fps: fps must be one of 24, 30, 60`.
 * Used wherever a schema guards a process boundary, so users see the same wording everywhere.
 */
export function describeZodError(error: z.ZodError, root?: string): string {
  return error.issues
    .map((issue) => {
      const path = [root, ...issue.path.map(String)].filter(Boolean).join(".");
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

/** Parses or throws an AppError with the given registry name and a message naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  errorName: ErrorName,
  root?: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError(errorName, describeZodError(result.error, root), {
      details: {
        fields: result.error.issues.map((issue) =>
          [root, ...issue.path.map(String)].filter(Boolean).join("."),
        ),
      },
    });
  }
  return result.data;
}
