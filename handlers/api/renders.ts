import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { z } from "zod";
import { outputKey, parseS3Uri, projectKey, renderPrefix, s3Uri } from "../contracts/bucket-layout.js";
import { AppError } from "../contracts/errors.js";
import { isRenderJobId, newRenderJobId, renderExecutionName } from "../contracts/ids.js";
import { JOB_STATUSES, type JobStatus } from "../contracts/job-status.js";
import { RenderConfigSchema } from "../contracts/render-config.js";
import {
  RENDER_FORMAT_EXTENSIONS,
  type RenderExecutionInput,
  RenderExecutionInputSchema,
} from "../contracts/render-events.js";
import { parseOrThrow } from "../contracts/zod-errors.js";
import { accruedCost, DEFAULT_MEMORY_MB } from "../shared/cost-model.js";
import { summarizeExecution } from "../shared/execution-progress.js";
import type { ApiDeps } from "./deps.js";
import { type ApiRequest, type FunctionUrlResult, json, jsonBody } from "./http.js";
import { toRenderProgress } from "./render-progress.js";
import type { RouteParams } from "./router.js";
import { headObject } from "./s3-ops.js";

/** Project archives accepted for upload (the render handler enforces its own unpacked limits). */
export const MAX_PROJECT_ARCHIVE_BYTES = 2 * 1024 * 1024 * 1024;
/** History events read for one status (25,000 is Step Functions' own cap per execution). */
const MAX_HISTORY_EVENTS = 25_000;

const sha256Field = z
  .string({ error: "projectSha256 is required (hex SHA-256 of the .tar.gz)" })
  .regex(/^[0-9a-f]{64}$/, { error: "projectSha256 must be 64 lower-case hex characters" });

const ProjectSchema = z.object({
  sha256: z
    .string({ error: "sha256 is required (hex SHA-256 of the .tar.gz)" })
    .regex(/^[0-9a-f]{64}$/, { error: "sha256 must be 64 lower-case hex characters" }),
  size: z
    .number({ error: "size is required (bytes)" })
    .int({ error: "size must be a whole number of bytes" })
    .min(1, { error: "size must be at least 1 byte" }),
});

const StartSchema = z.object({
  projectSha256: sha256Field,
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: "name must be 1-64 letters, digits, `.`, `_` or `-`" })
    .optional(),
  config: z.unknown().optional(),
});

const sfnErrorName = (err: unknown): string | undefined =>
  typeof err === "object" && err !== null ? (err as { name?: string }).name : undefined;

function sfnFailure(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  const name = sfnErrorName(err) ?? "Error";
  const transient = status >= 500 || name === "ThrottlingException" || name === "ECONNREFUSED";
  return new AppError(transient ? "ENDPOINT_UNREACHABLE" : "INTERNAL_ERROR", `${what} failed: ${name}`, {
    cause: err,
  });
}

const toStatus = (status: string | undefined): JobStatus =>
  (JOB_STATUSES as readonly string[]).includes(status ?? "") ? (status as JobStatus) : "RUNNING";

const iso = (date: Date | undefined): string | null => (date ? new Date(date).toISOString() : null);

export function makeRenderRoutes(deps: ApiDeps) {
  const { config, sfn, s3 } = deps;

  function stateMachineArn(): string {
    if (!config.renderStateMachineArn) {
      throw new AppError(
        "TARGET_NOT_CONFIGURED",
        "RENDER_STATE_MACHINE_ARN is not set for the api function.",
      );
    }
    return config.renderStateMachineArn;
  }

  /** `arn:aws:states:<region>:<account>:execution:<state machine name>:<job id>` */
  const executionArn = (jobId: string): string =>
    `${stateMachineArn().replace(":stateMachine:", ":execution:")}:${renderExecutionName(jobId)}`;

  async function describe(jobId: string): Promise<DescribeExecutionOutput> {
    if (!isRenderJobId(jobId)) throw new AppError("JOB_NOT_FOUND", `No render job ${JSON.stringify(jobId)}.`);
    try {
      return await sfn.send(new DescribeExecutionCommand({ executionArn: executionArn(jobId) }));
    } catch (err) {
      if (sfnErrorName(err) === "ExecutionDoesNotExist")
        throw new AppError("JOB_NOT_FOUND", `No render job ${jobId}.`);
      throw sfnFailure(err, "DescribeExecution");
    }
  }

  /** `POST /api/projects {sha256, size}`: where to PUT a project archive (content-addressed). */
  async function uploadProject(request: ApiRequest): Promise<FunctionUrlResult> {
    const body = parseOrThrow(ProjectSchema, jsonBody(request, config.maxBodyBytes), "INVALID_REQUEST");
    if (body.size > MAX_PROJECT_ARCHIVE_BYTES) {
      throw new AppError(
        "PROJECT_TOO_LARGE",
        `size: the archive has ${body.size} bytes; the limit is ${MAX_PROJECT_ARCHIVE_BYTES}.`,
      );
    }
    const key = projectKey(body.sha256);
    if (await headObject(s3, config.bucket, key)) return json(200, { key, exists: true });
    const url = await deps.presign(
      new PutObjectCommand({
        Bucket: config.bucket,
        Key: key,
        ContentLength: body.size,
        ContentType: "application/gzip",
      }),
      config.presignExpiresSeconds,
    );
    return json(200, {
      key,
      exists: false,
      url,
      method: "PUT",
      headers: { "content-type": "application/gzip" },
      expiresIn: config.presignExpiresSeconds,
    });
  }

  async function start(request: ApiRequest): Promise<FunctionUrlResult> {
    const body = parseOrThrow(StartSchema, jsonBody(request, config.maxBodyBytes), "INVALID_REQUEST");
    const renderConfig = parseOrThrow(RenderConfigSchema, body.config ?? {}, "INVALID_CONFIG", "config");
    const key = projectKey(body.projectSha256);
    if (!(await headObject(s3, config.bucket, key))) {
      throw new AppError(
        "INVALID_REQUEST",
        `projectSha256: no archive at ${key}; upload it first (POST /api/projects).`,
        {
          details: { fields: ["projectSha256"] },
        },
      );
    }
    const jobId = newRenderJobId(deps.now());
    const input: RenderExecutionInput = {
      JobId: jobId,
      ProjectS3Uri: s3Uri(config.bucket, key),
      PlanOutputS3Prefix: s3Uri(config.bucket, renderPrefix(jobId)),
      OutputS3Uri: s3Uri(
        config.bucket,
        outputKey(jobId, body.name ?? "render", RENDER_FORMAT_EXTENSIONS[renderConfig.format]),
      ),
      Config: renderConfig,
    };
    RenderExecutionInputSchema.parse(input);
    let arn: string | undefined;
    try {
      const out = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: stateMachineArn(),
          name: renderExecutionName(jobId),
          input: JSON.stringify(input),
        }),
      );
      arn = out.executionArn;
    } catch (err) {
      throw sfnFailure(err, "StartExecution");
    }
    deps.log("render started", { jobId });
    return json(202, {
      jobId,
      executionArn: arn ?? executionArn(jobId),
      status: "RUNNING",
      output: input.OutputS3Uri,
      config: renderConfig,
      statusUrl: `/api/renders/${jobId}`,
    });
  }

  async function list(request: ApiRequest): Promise<FunctionUrlResult> {
    const limitRaw = request.query.get("limit");
    const limit = limitRaw === null ? 50 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new AppError("INVALID_REQUEST", "limit: must be a whole number from 1 to 100", {
        details: { fields: ["limit"] },
      });
    }
    const cursor = request.query.get("cursor");
    try {
      const out = await sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: stateMachineArn(),
          maxResults: limit,
          ...(cursor ? { nextToken: cursor } : {}),
        }),
      );
      const jobs = (out.executions ?? []).map((execution) => ({
        jobId: execution.name ?? "",
        executionArn: execution.executionArn ?? "",
        status: toStatus(execution.status),
        startedAt: iso(execution.startDate),
        stoppedAt: iso(execution.stopDate),
      }));
      return json(200, jobs, out.nextToken ? { "x-next-cursor": out.nextToken } : {});
    } catch (err) {
      if (sfnErrorName(err) === "InvalidToken") {
        throw new AppError("INVALID_REQUEST", "cursor: not a cursor this API returned", {
          details: { fields: ["cursor"] },
        });
      }
      throw sfnFailure(err, "ListExecutions");
    }
  }

  async function history(arn: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const out = await sfn.send(
          new GetExecutionHistoryCommand({
            executionArn: arn,
            maxResults: 1000,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        events.push(...(out.events ?? []));
        nextToken = out.nextToken;
      } while (nextToken && events.length < MAX_HISTORY_EVENTS);
    } catch (err) {
      throw sfnFailure(err, "GetExecutionHistory");
    }
    return events;
  }

  async function get(_request: ApiRequest, params: RouteParams): Promise<FunctionUrlResult> {
    const jobId = params.id ?? "";
    const execution = await describe(jobId);
    const arn = execution.executionArn ?? executionArn(jobId);
    const status = toStatus(execution.status);
    const input = RenderExecutionInputSchema.safeParse(JSON.parse(execution.input ?? "{}"));
    // One fold of the history serves both the progress view and the cost (retries billed as transitions).
    const folded = summarizeExecution(await history(arn));
    const progress = toRenderProgress(folded);
    const cost = accruedCost({
      invocations: folded.invocations,
      transitions: folded.transitions,
      assumptions: [
        "durations from the history's task start and end timestamps (Lambda bills within a few ms of them)",
        `memory ${DEFAULT_MEMORY_MB.render} MB (the module's default for the render function)`,
      ],
    });
    let download: { url: string; expiresIn: number } | null = null;
    if (status === "SUCCEEDED" && input.success) {
      const output = parseS3Uri(input.data.OutputS3Uri);
      const url = await deps.presign(
        new GetObjectCommand({ Bucket: output.bucket, Key: output.key }),
        config.presignExpiresSeconds,
      );
      download = { url, expiresIn: config.presignExpiresSeconds };
    }
    const { invocations: _invocations, ...visible } = progress;
    return json(200, {
      jobId,
      executionArn: arn,
      status,
      startedAt: iso(execution.startDate),
      stoppedAt: iso(execution.stopDate),
      config: input.success ? input.data.Config : null,
      output: input.success ? input.data.OutputS3Uri : null,
      progress: visible,
      error: execution.error ? { name: execution.error, message: execution.cause ?? "" } : null,
      cost,
      download,
    });
  }

  async function cancel(_request: ApiRequest, params: RouteParams): Promise<FunctionUrlResult> {
    const jobId = params.id ?? "";
    const execution = await describe(jobId);
    if (toStatus(execution.status) !== "RUNNING") {
      throw new AppError(
        "CONFLICT",
        `Render job ${jobId} is already ${execution.status}; only a running job can be cancelled.`,
      );
    }
    try {
      await sfn.send(
        new StopExecutionCommand({
          executionArn: execution.executionArn ?? executionArn(jobId),
          error: "JOB_CANCELLED",
          cause: "Cancelled through the API (DELETE /api/renders/{id}).",
        }),
      );
    } catch (err) {
      throw sfnFailure(err, "StopExecution");
    }
    deps.log("render cancelled", { jobId });
    return json(202, { jobId, status: "ABORTED" });
  }

  return { uploadProject, start, list, get, cancel };
}
