import { ERRORS } from "../../handlers/contracts/errors.js";
import { RENDER_LIMITS } from "../../handlers/contracts/render-config.js";
import {
  checkSeconds,
  lambdaInvokeTask,
  type RetryOptions,
  type StateMachineDefinition,
  transientRetry,
} from "./asl.js";

/**
 * The render state machine (ASL) as a pure function. CDKTF embeds the returned object; the local cloud
 * runs the very same object.
 *
 * Input: RenderExecutionInput (handlers/contracts/render-events.ts). Flow:
 *   DefaultParallelism? -> Plan -> HasChunks? (else Fail NO_CHUNKS) -> ListChunks -> RenderChunks (Map,
 *   ResultPath null) -> Assemble -> Done
 * Output (kept small): `{ JobId, OutputS3Uri, FileSize, Sha256, FramesEncoded, ChunkCount, PlanHash }`.
 *
 * State stays a few KiB whatever the chunk count: the Map's results are discarded (ResultPath null) and
 * Assemble finds chunks by key under ChunkOutputS3Prefix (bucket-layout.ts chunkKey) and verifies their
 * digests. History: about 7 events per chunk, so 1,000 chunks (the contract's limit, also the
 * States.ArrayRange limit) stay well under the 25,000-event cap even with some retries.
 */
export interface RenderStateMachineRefs {
  /** ARN of the `render` function (plan, renderChunk and assemble actions). */
  renderFunctionArn: string;
  /** TimeoutSeconds of the Plan task. Default 930 (Lambda's 900 s maximum plus invoke overhead). */
  planTimeoutSeconds?: number;
  /** TimeoutSeconds of each RenderChunk task. Default 930. */
  chunkTimeoutSeconds?: number;
  /** TimeoutSeconds of the Assemble task. Default 930. */
  assembleTimeoutSeconds?: number;
  /** Whole-execution timeout (the job ends TIMED_OUT). Default 21,600 (6 hours). */
  executionTimeoutSeconds?: number;
  /** Map MaxConcurrency when the input's Config has no maxParallelChunks. Default RENDER_LIMITS.defaultMaxParallelChunks. */
  defaultMaxParallelChunks?: number;
  /** Backoff of the transient-error retrier (asl.ts DEFAULT_RETRY). */
  retry?: RetryOptions;
}

export const RENDER_STATE_NAMES = {
  defaultParallelismCheck: "HasMaxParallelChunks",
  defaultParallelism: "DefaultMaxParallelChunks",
  plan: "Plan",
  hasChunks: "HasChunks",
  noChunks: "NoChunks",
  listChunks: "ListChunks",
  renderChunks: "RenderChunks",
  renderChunk: "RenderChunk",
  assemble: "Assemble",
  done: "Done",
} as const;

export const DEFAULT_RENDER_TASK_TIMEOUT_SECONDS = 930;
export const DEFAULT_RENDER_EXECUTION_TIMEOUT_SECONDS = 6 * 60 * 60;

export function renderStateMachine(refs: RenderStateMachineRefs): StateMachineDefinition {
  if (!refs.renderFunctionArn) throw new TypeError("renderStateMachine: renderFunctionArn is required");
  const planTimeout = checkSeconds(
    "planTimeoutSeconds",
    refs.planTimeoutSeconds ?? DEFAULT_RENDER_TASK_TIMEOUT_SECONDS,
  );
  const chunkTimeout = checkSeconds(
    "chunkTimeoutSeconds",
    refs.chunkTimeoutSeconds ?? DEFAULT_RENDER_TASK_TIMEOUT_SECONDS,
  );
  const assembleTimeout = checkSeconds(
    "assembleTimeoutSeconds",
    refs.assembleTimeoutSeconds ?? DEFAULT_RENDER_TASK_TIMEOUT_SECONDS,
  );
  const executionTimeout = checkSeconds(
    "executionTimeoutSeconds",
    refs.executionTimeoutSeconds ?? DEFAULT_RENDER_EXECUTION_TIMEOUT_SECONDS,
  );
  const defaultParallel = refs.defaultMaxParallelChunks ?? RENDER_LIMITS.defaultMaxParallelChunks;
  if (
    !Number.isInteger(defaultParallel) ||
    defaultParallel < 1 ||
    defaultParallel > RENDER_LIMITS.maxParallelChunks
  ) {
    throw new RangeError(
      `defaultMaxParallelChunks must be a whole number from 1 to ${RENDER_LIMITS.maxParallelChunks}, got ${String(defaultParallel)}`,
    );
  }
  const retry = transientRetry(refs.retry);
  const S = RENDER_STATE_NAMES;

  return {
    Comment:
      "HyperFrames distributed render: plan, render chunks in parallel, assemble (modules/state-machines/render.ts)",
    StartAt: S.defaultParallelismCheck,
    TimeoutSeconds: executionTimeout,
    States: {
      [S.defaultParallelismCheck]: {
        Type: "Choice",
        // `IsPresent: true` on purpose: aws-local-stepfunctions 3.0.0 never matches `IsPresent: false`.
        Comment: "Config may omit maxParallelChunks (its schema default applies): the Map needs a number.",
        Choices: [{ Variable: "$.Config.maxParallelChunks", IsPresent: true, Next: S.plan }],
        Default: S.defaultParallelism,
      },
      [S.defaultParallelism]: {
        Type: "Pass",
        Result: defaultParallel,
        ResultPath: "$.Config.maxParallelChunks",
        Next: S.plan,
      },
      [S.plan]: lambdaInvokeTask({
        functionArn: refs.renderFunctionArn,
        payload: {
          Action: "plan",
          PlanProtocol: "v2",
          "ProjectS3Uri.$": "$.ProjectS3Uri",
          "PlanOutputS3Prefix.$": "$.PlanOutputS3Prefix",
          "Config.$": "$.Config",
        },
        resultSelector: {
          "PlanHash.$": "$.Payload.PlanHash",
          "ChunkCount.$": "$.Payload.ChunkCount",
          "TotalFrames.$": "$.Payload.TotalFrames",
          "Format.$": "$.Payload.Format",
          "PlanV2ManifestS3Uri.$": "$.Payload.PlanV2ManifestS3Uri",
          "PlanV2ArtifactS3Prefix.$": "$.Payload.PlanV2ArtifactS3Prefix",
          "ChunkOutputS3Prefix.$": "$.Payload.ChunkOutputS3Prefix",
          "AudioS3Uri.$": "$.Payload.AudioS3Uri",
        },
        resultPath: "$.Plan",
        timeoutSeconds: planTimeout,
        retry,
        next: S.hasChunks,
      }),
      [S.hasChunks]: {
        Type: "Choice",
        Choices: [{ Variable: "$.Plan.ChunkCount", NumericGreaterThan: 0, Next: S.listChunks }],
        Default: S.noChunks,
      },
      [S.noChunks]: { Type: "Fail", Error: "NO_CHUNKS", Cause: ERRORS.NO_CHUNKS.hint },
      [S.listChunks]: {
        Type: "Pass",
        Comment:
          "Chunk indexes 0..ChunkCount-1 (States.ArrayRange allows 1,000 items: the contract's chunk limit).",
        Parameters: { "Indexes.$": "States.ArrayRange(0, States.MathAdd($.Plan.ChunkCount, -1), 1)" },
        ResultPath: "$.Chunks",
        Next: S.renderChunks,
      },
      [S.renderChunks]: {
        Type: "Map",
        ItemsPath: "$.Chunks.Indexes",
        MaxConcurrencyPath: "$.Config.maxParallelChunks",
        ItemSelector: {
          Action: "renderChunk",
          PlanProtocol: "v2",
          "PlanHash.$": "$.Plan.PlanHash",
          "ChunkIndex.$": "$$.Map.Item.Value",
          "ChunkOutputS3Prefix.$": "$.Plan.ChunkOutputS3Prefix",
          "Format.$": "$.Plan.Format",
          "PlanV2ManifestS3Uri.$": "$.Plan.PlanV2ManifestS3Uri",
          "PlanV2ArtifactS3Prefix.$": "$.Plan.PlanV2ArtifactS3Prefix",
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: S.renderChunk,
          States: {
            [S.renderChunk]: lambdaInvokeTask({
              functionArn: refs.renderFunctionArn,
              payload: "$",
              resultSelector: { "ChunkIndex.$": "$.Payload.ChunkIndex" },
              timeoutSeconds: chunkTimeout,
              retry,
            }),
          },
        },
        ResultPath: null,
        Next: S.assemble,
      },
      [S.assemble]: lambdaInvokeTask({
        functionArn: refs.renderFunctionArn,
        payload: {
          Action: "assemble",
          PlanProtocol: "v2",
          "PlanHash.$": "$.Plan.PlanHash",
          "PlanV2ManifestS3Uri.$": "$.Plan.PlanV2ManifestS3Uri",
          "PlanV2ArtifactS3Prefix.$": "$.Plan.PlanV2ArtifactS3Prefix",
          "OutputS3Uri.$": "$.OutputS3Uri",
          "Format.$": "$.Plan.Format",
          "ChunkOutputS3Prefix.$": "$.Plan.ChunkOutputS3Prefix",
          "ChunkCount.$": "$.Plan.ChunkCount",
          "AudioS3Uri.$": "$.Plan.AudioS3Uri",
        },
        resultSelector: {
          "OutputS3Uri.$": "$.Payload.OutputS3Uri",
          "FileSize.$": "$.Payload.FileSize",
          "Sha256.$": "$.Payload.Sha256",
          "FramesEncoded.$": "$.Payload.FramesEncoded",
        },
        resultPath: "$.Output",
        timeoutSeconds: assembleTimeout,
        retry,
        next: S.done,
      }),
      [S.done]: {
        Type: "Pass",
        Parameters: {
          "JobId.$": "$.JobId",
          "OutputS3Uri.$": "$.Output.OutputS3Uri",
          "FileSize.$": "$.Output.FileSize",
          "Sha256.$": "$.Output.Sha256",
          "FramesEncoded.$": "$.Output.FramesEncoded",
          "ChunkCount.$": "$.Plan.ChunkCount",
          "PlanHash.$": "$.Plan.PlanHash",
        },
        End: true,
      },
    },
  };
}
