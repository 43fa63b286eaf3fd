import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

interface AslValidationResult {
  isValid: boolean;
  errorsText: (separator?: string) => string;
}
type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => AslValidationResult;

// asl-validator is CommonJS without types: one typed wrapper for every test.
const validator = require("asl-validator") as AslValidator;

/** Validates an ASL definition (a copy: the validator annotates the object it is given). */
export function validateAsl(definition: unknown): { isValid: boolean; errors: string } {
  const result = validator(structuredClone(definition), { checkPaths: true, checkArn: true });
  return { isValid: result.isValid, errors: result.isValid ? "" : result.errorsText("\n") };
}
