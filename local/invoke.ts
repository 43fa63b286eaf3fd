import { availableParallelism } from "node:os";
import { AppError } from "../handlers/contracts/errors.js";
import { readEndpointsFile } from "./discovery.js";
import { defaultFunctions } from "./functions.js";
import { startLocalCloud, workerEnvironment } from "./index.js";
import { nodeBinary } from "./node-binary.js";
import { type LocalFunctionConfig, WorkerPool } from "./workers/worker-pool.js";

/**
 * Runs one function once on the local cloud, as `sam local invoke` does: in a worker process with the
 * function's limits and the local endpoints in its environment. Uses the running instance for the data
 * folder when there is one, else starts one in-process for the call.
 */
export async function invokeLocalFunction(options: {
  dataDir: string;
  functionName: string;
  event: unknown;
  functions?: Record<string, LocalFunctionConfig>;
  log?: (line: string) => void;
}): Promise<unknown> {
  const functions = { ...defaultFunctions(), ...options.functions };
  if (!functions[options.functionName]) {
    throw new AppError(
      "USAGE_ERROR",
      `No function ${JSON.stringify(options.functionName)}; local functions: ${Object.keys(functions).join(", ")}`,
    );
  }
  const running = await readEndpointsFile(options.dataDir);
  if (running) {
    const pool = new WorkerPool({
      functions,
      concurrency: availableParallelism(),
      env: workerEnvironment(process.env, running),
      nodePath: nodeBinary(),
      ...(options.log ? { log: options.log } : {}),
    });
    try {
      return await pool.invoke(options.functionName, options.event);
    } finally {
      await pool.stop();
    }
  }
  const cloud = await startLocalCloud({
    dataDir: options.dataDir,
    uploadTrigger: false,
    workerLogs: true,
    ...(options.functions ? { functions: options.functions } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  try {
    return await cloud.invoke(options.functionName, options.event);
  } finally {
    await cloud.stop();
  }
}
