import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FUNCTION_SIZES } from "../handlers/contracts/function-sizes.js";
import { LOCAL_FUNCTION_NAMES, type LocalFunctionName } from "./discovery.js";
import type { LocalFunctionConfig } from "./workers/worker-pool.js";

/**
 * The local cloud's functions: `handlers/<name>/index.ts`, with the Lambda settings the module deploys
 * them with (timeout and memory), so local runs meet the same limits. Render invocations get one core
 * each (see workers/cpu-pinning.ts).
 */
export const LOCAL_FUNCTION_SETTINGS: Record<
  LocalFunctionName,
  Pick<LocalFunctionConfig, "timeoutSeconds" | "memoryMb" | "oneCorePerInvocation">
> = {
  render: { ...FUNCTION_SIZES.render, oneCorePerInvocation: true },
  media: FUNCTION_SIZES.media,
  api: FUNCTION_SIZES.api,
};

export const projectRoot = fileURLToPath(new URL("..", import.meta.url));

export const handlerModulePath = (name: LocalFunctionName): string =>
  fileURLToPath(new URL(`../handlers/${name}/index.ts`, import.meta.url));

/** The functions whose handler module exists in this checkout. */
export function defaultFunctions(): Record<string, LocalFunctionConfig> {
  const functions: Record<string, LocalFunctionConfig> = {};
  for (const name of LOCAL_FUNCTION_NAMES) {
    const modulePath = handlerModulePath(name);
    if (existsSync(modulePath)) functions[name] = { name, modulePath, ...LOCAL_FUNCTION_SETTINGS[name] };
  }
  return functions;
}
