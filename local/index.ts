import { AppError } from "../handlers/contracts/errors.js";
import type { EndpointsFile } from "./discovery.js";

export interface StartLocalCloudOptions {
  dataDir: string;
  /** Diagnostics (never stdout). */
  log?: (line: string) => void;
}

export interface LocalCloudHandle {
  readonly endpoints: EndpointsFile;
  /** Stops servers and workers (no Chromium or ffmpeg outlives it) and removes the endpoints file. */
  stop(): Promise<void>;
}

// Replaced by the local cloud issue (#5); kept so the CLI frame type-checks before it lands.
export async function startLocalCloud(_options: StartLocalCloudOptions): Promise<LocalCloudHandle> {
  throw new AppError("DEPENDENCY_MISSING", "The local cloud is not built yet (issue #5).");
}
