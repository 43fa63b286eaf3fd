import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import {
  outputKey,
  parseS3Uri,
  projectKey,
  renderPrefix,
  s3Uri,
} from "../../handlers/contracts/bucket-layout.js";
import { AppError } from "../../handlers/contracts/errors.js";
import { newRenderJobId, renderExecutionName } from "../../handlers/contracts/ids.js";
import { isTerminalJobStatus, type JobStatus } from "../../handlers/contracts/job-status.js";
import {
  type RenderConfig,
  type RenderConfigInput,
  RenderConfigSchema,
} from "../../handlers/contracts/render-config.js";
import type { RenderExecutionInput } from "../../handlers/contracts/render-events.js";
import type { TargetEndpoints } from "../../handlers/contracts/stack-outputs.js";
import { parseOrThrow } from "../../handlers/contracts/zod-errors.js";
import { digestTap } from "../../handlers/shared/stream-digest.js";
import { sfnHistoryPages } from "../history/history-reader.js";
import { emptyJobModel, type JobModel } from "../history/job-model.js";
import { followJob, sleep } from "../services/follow.js";
import { cancelJob, executionArn as executionArnFor, refreshJob } from "../services/jobs.js";
import { type PackedProject, packProject } from "./pack-project.js";

/**
 * One render job from a project folder to a file, the same on AWS and on the local cloud: pack the
 * folder (deterministic .tar.gz), upload it content-addressed to projects/<sha256>.tar.gz (skipped when
 * already there), StartExecution (name = job id), follow the history until the job ends, download the
 * output. The `render` command and the TUI both drive it; progress arrives as a JobModel.
 */

export interface RenderTarget {
  readonly endpoints: TargetEndpoints;
  readonly s3: S3Client;
  readonly sfn: SFNClient;
}

export type RenderPhase = "packing" | "uploading" | "starting" | "running" | "downloading" | "done";

export interface RenderJobEvents {
  onPhase?: (phase: RenderPhase, detail: string) => void;
  onProgress?: (model: JobModel) => void;
}

export interface RenderJobRequest {
  projectDir: string;
  config: RenderConfigInput;
  /** Output file; default `<cwd>/out/<name>-<jobId>.<format>`. */
  outPath?: string;
  cwd: string;
  /** A given job id (tests); default a new one. */
  jobId?: string;
  /** History poll interval (default 500 ms locally, 2 s on AWS). */
  pollMs?: number;
  signal?: AbortSignal;
}

export interface RenderJobResult {
  jobId: string;
  executionArn: string;
  status: JobStatus;
  config: RenderConfig;
  project: { name: string; sha256: string; bytes: number; files: number; uploaded: boolean };
  outputS3Uri: string;
  /** Set when the job succeeded and the file was downloaded. */
  output?: { path: string; bytes: number; sha256: string };
  model: JobModel;
  wallTimeMs: number;
  error?: { name: string; message: string };
}

/** Validates render config flags; the error names the field (exit 2). */
export function parseRenderConfig(config: RenderConfigInput): RenderConfig {
  return parseOrThrow(RenderConfigSchema, config, "INVALID_CONFIG");
}

/** Uploads the archive to projects/<sha256>.tar.gz unless an object is already there. */
export async function uploadProject(
  s3: S3Client,
  bucket: string,
  packed: PackedProject,
): Promise<{ key: string; uploaded: boolean }> {
  const key = projectKey(packed.sha256);
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { key, uploaded: false };
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404 && (err as Error).name !== "NotFound") throw err;
  }
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: packed.archive,
      ContentType: "application/gzip",
      Metadata: { sha256: packed.sha256 },
    }),
  );
  return { key, uploaded: true };
}

/** The render state machine's input for a job. */
export function renderExecutionInput(
  bucket: string,
  jobId: string,
  projectSha256: string,
  name: string,
  config: RenderConfig,
): RenderExecutionInput {
  return {
    JobId: jobId,
    ProjectS3Uri: s3Uri(bucket, projectKey(projectSha256)),
    PlanOutputS3Prefix: s3Uri(bucket, renderPrefix(jobId)),
    OutputS3Uri: s3Uri(bucket, outputKey(jobId, name, config.format)),
    Config: config,
  };
}

/** StartExecution with name = job id (a retried call cannot start a second run). */
export async function startRenderExecution(
  sfn: SFNClient,
  endpoints: TargetEndpoints,
  input: RenderExecutionInput,
): Promise<string> {
  const out = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: endpoints.renderStateMachineArn,
      name: renderExecutionName(input.JobId),
      input: JSON.stringify(input),
    }),
  );
  return out.executionArn ?? executionArnFor(endpoints.renderStateMachineArn, input.JobId);
}

/** Polls the history until the job ends; on abort stops the execution first (ABORTED). */
export async function waitForJob(
  sfn: SFNClient,
  executionArn: string,
  options: { pollMs: number; signal?: AbortSignal; onProgress?: (model: JobModel) => void },
): Promise<JobModel> {
  const fetchPage = sfnHistoryPages(sfn);
  const model = await followJob(fetchPage, emptyJobModel(executionArn), {
    timing: { baseMs: options.pollMs, maxMs: Math.max(options.pollMs * 8, 5000) },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onUpdate: options.onProgress } : {}),
  });
  if (isTerminalJobStatus(model.status)) return model;
  // Cancelled by the user: stop the execution and read its final state.
  await cancelJob(sfn, executionArn);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== "RUNNING") break;
    await sleep(100);
  }
  return (await refreshJob(fetchPage, model)).model;
}

/** Downloads an object to a file (via a temp name), returning its size and SHA-256. */
export async function downloadOutput(
  s3: S3Client,
  uri: string,
  path: string,
): Promise<{ bytes: number; sha256: string }> {
  const { bucket, key } = parseS3Uri(uri);
  await mkdir(dirname(path), { recursive: true });
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!out.Body) throw new AppError("INTERNAL_ERROR", `${uri} has no body`);
  const { tap, result } = digestTap();
  const temp = `${path}.part`;
  try {
    await pipeline(out.Body as Readable, tap, createWriteStream(temp));
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  const { hex, size } = result();
  return { bytes: size, sha256: hex };
}

function jobErrorOf(model: JobModel): { name: string; message: string } {
  if (model.status === "ABORTED")
    return { name: "JOB_CANCELLED", message: "The job was stopped before it finished." };
  if (model.status === "TIMED_OUT")
    return { name: "JOB_TIMED_OUT", message: "The job passed the state machine's timeout." };
  const cause = model.executionError;
  return cause
    ? { name: cause.name, message: cause.cause }
    : { name: "JOB_FAILED", message: "The job failed." };
}

export async function runRenderJob(
  target: RenderTarget,
  request: RenderJobRequest,
  events: RenderJobEvents = {},
): Promise<RenderJobResult> {
  const started = Date.now();
  const config = parseRenderConfig(request.config);
  const { endpoints, s3, sfn } = target;

  events.onPhase?.("packing", request.projectDir);
  const packed = await packProject(resolve(request.cwd, request.projectDir));
  events.onPhase?.(
    "uploading",
    `${packed.files} files, ${packed.archive.length} bytes, sha256 ${packed.sha256.slice(0, 12)}`,
  );
  const upload = await uploadProject(s3, endpoints.bucket, packed);

  const jobId = request.jobId ?? newRenderJobId();
  const input = renderExecutionInput(endpoints.bucket, jobId, packed.sha256, packed.name, config);
  events.onPhase?.("starting", jobId);
  const executionArn = await startRenderExecution(sfn, endpoints, input);

  events.onPhase?.("running", executionArn);
  const model = await waitForJob(sfn, executionArn, {
    pollMs: request.pollMs ?? (endpoints.kind === "local" ? 500 : 2000),
    ...(request.signal ? { signal: request.signal } : {}),
    ...(events.onProgress ? { onProgress: events.onProgress } : {}),
  });

  const result: RenderJobResult = {
    jobId,
    executionArn,
    status: model.status,
    config,
    project: {
      name: packed.name,
      sha256: packed.sha256,
      bytes: packed.archive.length,
      files: packed.files,
      uploaded: upload.uploaded,
    },
    outputS3Uri: input.OutputS3Uri,
    model,
    wallTimeMs: 0,
  };
  if (model.status === "SUCCEEDED") {
    const path = resolve(
      request.cwd,
      request.outPath ?? join("out", `${packed.name}-${jobId}.${config.format}`),
    );
    events.onPhase?.("downloading", path);
    const downloaded = await downloadOutput(s3, input.OutputS3Uri, path);
    result.output = { path, ...downloaded };
  } else {
    result.error = jobErrorOf(model);
  }
  result.wallTimeMs = Date.now() - started;
  events.onPhase?.("done", model.status);
  return result;
}
