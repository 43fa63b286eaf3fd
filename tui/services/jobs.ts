import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  ListExecutionsCommand,
  type SFNClient,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { AppError } from "../../handlers/contracts/errors.js";
import { isRenderJobId, isVideoId, jobIdFromExecution } from "../../handlers/contracts/ids.js";
import type { JobKind, JobStatus } from "../../handlers/contracts/job-status.js";
import type { TargetEndpoints } from "../../handlers/contracts/stack-outputs.js";
import { type FetchHistoryPage, readNewEvents, sfnHistoryPages } from "../history/history-reader.js";
import { applyEvents, emptyJobModel, type JobModel } from "../history/job-model.js";

/**
 * Job-level AWS calls (Step Functions), each a narrow function taking the client first. The TUI's hooks
 * and the non-interactive commands both use these; components never do.
 */

export interface JobSummary {
  readonly jobId: string;
  readonly kind: JobKind;
  readonly executionArn: string;
  readonly status: JobStatus;
  readonly startedAt: number;
  readonly stoppedAt?: number;
}

/** `arn:aws:states:<region>:<account>:stateMachine:<name>` -> the execution ARN for `name`. */
export function executionArn(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${executionName}`;
}

const kindOfArn = (arn: string, endpoints: TargetEndpoints): JobKind | undefined => {
  const machine = (sm: string) => sm.replace(":stateMachine:", ":execution:");
  if (arn.startsWith(`${machine(endpoints.renderStateMachineArn)}:`)) return "render";
  if (arn.startsWith(`${machine(endpoints.mediaStateMachineArn)}:`)) return "media";
  return undefined;
};

function toSummary(item: ExecutionListItem, kind: JobKind): JobSummary {
  return {
    jobId: item.name ?? jobIdFromExecution(item.executionArn ?? ""),
    kind,
    executionArn: item.executionArn ?? "",
    status: (item.status ?? "RUNNING") as JobStatus,
    startedAt: item.startDate?.getTime() ?? 0,
    ...(item.stopDate ? { stoppedAt: item.stopDate.getTime() } : {}),
  };
}

/** Recent render and media executions, newest first (one ListExecutions call per state machine). */
export async function listJobs(
  sfn: SFNClient,
  endpoints: TargetEndpoints,
  options: { limit?: number; signal?: AbortSignal } = {},
): Promise<JobSummary[]> {
  const limit = options.limit ?? 20;
  const send = { ...(options.signal ? { abortSignal: options.signal } : {}) };
  const [renders, media] = await Promise.all(
    (
      [
        ["render", endpoints.renderStateMachineArn],
        ["media", endpoints.mediaStateMachineArn],
      ] as const
    ).map(async ([kind, arn]) => {
      const out = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: arn, maxResults: limit }),
        send,
      );
      return (out.executions ?? []).map((item) => toSummary(item, kind));
    }),
  );
  return [...(renders ?? []), ...(media ?? [])].sort((a, b) => b.startedAt - a.startedAt).slice(0, limit);
}

/**
 * A job id (render job id or video id), an execution name or an execution ARN -> the execution.
 * Throws JOB_NOT_FOUND when neither state machine has it.
 */
export async function resolveJob(
  sfn: SFNClient,
  endpoints: TargetEndpoints,
  idOrArn: string,
): Promise<{ executionArn: string; kind: JobKind; description: DescribeExecutionCommandOutput }> {
  const candidates: Array<[JobKind, string]> = [];
  if (idOrArn.startsWith("arn:")) {
    candidates.push([kindOfArn(idOrArn, endpoints) ?? "render", idOrArn]);
  } else {
    const render: [JobKind, string] = ["render", executionArn(endpoints.renderStateMachineArn, idOrArn)];
    const media: [JobKind, string] = ["media", executionArn(endpoints.mediaStateMachineArn, idOrArn)];
    if (isVideoId(idOrArn) || idOrArn.includes("-reprocess-")) candidates.push(media, render);
    else if (isRenderJobId(idOrArn)) candidates.push(render, media);
    else candidates.push(render, media);
  }
  for (const [kind, arn] of candidates) {
    try {
      const description = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      return { executionArn: arn, kind, description };
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name !== "ExecutionDoesNotExist" && name !== "InvalidArn" && name !== "ResourceNotFoundException")
        throw err;
    }
  }
  throw new AppError("JOB_NOT_FOUND", `No render or media job is named ${JSON.stringify(idOrArn)}.`);
}

/** Reads the whole history (or what is new since `model`) and folds it into the job model. */
export async function refreshJob(
  fetchPage: FetchHistoryPage,
  model: JobModel,
  options: { signal?: AbortSignal; memoryMb?: Readonly<Record<string, number>> } = {},
): Promise<{ model: JobModel; requests: number }> {
  const read = await readNewEvents(fetchPage, model.executionArn, model.lastEventId, {
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    model: applyEvents(model, read.events, options.memoryMb ? { memoryMb: options.memoryMb } : {}),
    requests: read.requests,
  };
}

export async function loadJob(
  sfn: SFNClient,
  executionArnValue: string,
  signal?: AbortSignal,
): Promise<JobModel> {
  const { model } = await refreshJob(
    sfnHistoryPages(sfn),
    emptyJobModel(executionArnValue),
    signal ? { signal } : {},
  );
  return model;
}

/** StopExecution: the job ends ABORTED; the local cloud also stops its running workers. */
export async function cancelJob(sfn: SFNClient, executionArnValue: string): Promise<void> {
  await sfn.send(
    new StopExecutionCommand({
      executionArn: executionArnValue,
      error: "JOB_CANCELLED",
      cause: "Stopped from hyperframes-tui",
    }),
  );
}

/** Function memory per name from env (HYPERFRAMES_RENDER_MEMORY_MB, ...), for GB-seconds. */
export function memoryFromEnv(env: NodeJS.ProcessEnv): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of ["render", "media", "api"]) {
    const value = Number(env[`HYPERFRAMES_${name.toUpperCase()}_MEMORY_MB`]);
    if (Number.isInteger(value) && value >= 128) out[name] = value;
  }
  return out;
}
