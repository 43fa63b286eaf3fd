/** The api function's defaults that the Terraform module also uses (handlers/api/config.ts reads them). */
export const API_DEFAULTS = {
  presignExpiresSeconds: 900,
  maxBodyBytes: 256 * 1024,
  streamUrlSeconds: 6 * 3600,
  completeWaitMs: 5000,
} as const;
