/**
 * Job status in the CLI and API is Step Functions' own execution status. A media job whose video ends
 * `processing_failed` is a FAILED job (its state machine fails after recording the status).
 */
export const JOB_STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JOB_KINDS = ["render", "media"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const isTerminalJobStatus = (status: JobStatus): boolean => status !== "RUNNING";
