/**
 * Memory and timeout each function is deployed with unless the module's variables say otherwise. The
 * module, the cost estimates and the local cloud's workers all read them here, so the three agree.
 */
export const FUNCTION_SIZES = {
  // One capture browser per chunk (deterministic bytes) gains little from more than ~2 vCPUs; 3,008 MB
  // (1.7 vCPUs) leaves room for Chromium + ffmpeg (~1 GB measured at 720p) at a third of 10,240 MB's price.
  render: { memoryMb: 3008, timeoutSeconds: 900 },
  media: { memoryMb: 3008, timeoutSeconds: 900 },
  api: { memoryMb: 512, timeoutSeconds: 30 },
} as const;

export type FunctionName = keyof typeof FUNCTION_SIZES;
