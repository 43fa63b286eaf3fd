import type { S3Client } from "@aws-sdk/client-s3";
import type { SFNClient } from "@aws-sdk/client-sfn";
import type { TranscribeClient } from "@aws-sdk/client-transcribe";
import type { MediaConfig } from "./config.js";

/** What the media handler needs from the outside world; tests inject fakes at the SDK edge. */
export interface MediaDeps {
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  readonly transcribe: TranscribeClient;
  readonly config: MediaConfig;
  /** Parent directory for per-invocation temp dirs (default: os.tmpdir()). */
  readonly tmpDir?: string;
  readonly now?: () => Date;
  /** Minimum milliseconds between progress writes to the status document (default 5000). */
  readonly progressIntervalMs?: number;
}

/** Lambda's context: only the deadline is used (to stop ffmpeg before Lambda kills the sandbox). */
export interface MediaContext {
  getRemainingTimeInMillis?: () => number;
}
