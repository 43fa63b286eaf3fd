import { StateMachine } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import {
  AppError,
  FATAL_ERROR_NAMES,
  LAMBDA_RUNTIME_ERROR_NAMES,
  RETRYABLE_ERROR_NAMES,
} from "../../../handlers/contracts/errors.js";
import type {
  AssembleEvent,
  PlanEvent,
  RenderChunkEvent,
  RenderExecutionInput,
} from "../../../handlers/contracts/render-events.js";
import type {
  MapState,
  State,
  StateMachineDefinition,
  TaskState,
} from "../../../modules/state-machines/asl.js";
import { RENDER_STATE_NAMES, renderStateMachine } from "../../../modules/state-machines/render.js";
import { validateAsl } from "./validate-asl.js";

const FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:render";
const HASH = "a".repeat(64);

function tasksOf(definition: StateMachineDefinition): TaskState[] {
  const out: TaskState[] = [];
  const walk = (states: Record<string, State>) => {
    for (const state of Object.values(states)) {
      if (state.Type === "Task") out.push(state);
      if (state.Type === "Map") walk(state.ItemProcessor.States);
    }
  };
  walk(definition.States);
  return out;
}

const input = (chunkSize: number, maxParallelChunks?: number): RenderExecutionInput => ({
  JobId: "r20261121t120501-a1b2c3d4",
  ProjectS3Uri: `s3://bucket-x/projects/${HASH}.tar.gz`,
  PlanOutputS3Prefix: "s3://bucket-x/renders/r20261121t120501-a1b2c3d4/",
  OutputS3Uri: "s3://bucket-x/outputs/r20261121t120501-a1b2c3d4/video.mp4",
  Config: maxParallelChunks === undefined ? { chunkSize } : { chunkSize, maxParallelChunks },
});

/** A fake render function: pure logic standing in for Lambda, returning the `{Payload}` envelope like AWS. */
function fakeRender(chunkCount: number, options: { failChunkOnce?: Set<number>; fatalChunk?: number } = {}) {
  const calls = { plan: [] as PlanEvent[], chunk: [] as RenderChunkEvent[], assemble: [] as AssembleEvent[] };
  let running = 0;
  let maxRunning = 0;
  const attempts = new Map<number, number>();
  const handlers = {
    [RENDER_STATE_NAMES.plan]: async (params: { FunctionName: string; Payload: PlanEvent }) => {
      calls.plan.push(params.Payload);
      return {
        Payload: {
          Action: "plan",
          PlanProtocol: "v2",
          PlanHash: HASH,
          ChunkCount: chunkCount,
          TotalFrames: chunkCount * 30,
          Fps: 30,
          Width: 640,
          Height: 360,
          Format: "mp4",
          HasAudio: false,
          AudioS3Uri: null,
          PlanV2ManifestS3Uri: "s3://bucket-x/renders/j/plan/manifest.json",
          PlanV2ArtifactS3Prefix: "s3://bucket-x/renders/j/plan/artifacts/",
          ChunkOutputS3Prefix: "s3://bucket-x/renders/j/chunks/",
          FfmpegVersion: "4.1",
          ProducerVersion: "0.8.33",
          DurationMs: 10,
        },
      };
    },
    [RENDER_STATE_NAMES.renderChunk]: async (params: { FunctionName: string; Payload: RenderChunkEvent }) => {
      const event = params.Payload;
      calls.chunk.push(event);
      const attempt = (attempts.get(event.ChunkIndex) ?? 0) + 1;
      attempts.set(event.ChunkIndex, attempt);
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      if (options.fatalChunk === event.ChunkIndex) throw new AppError("PLAN_HASH_MISMATCH", "plan changed");
      if (options.failChunkOnce?.has(event.ChunkIndex) && attempt === 1)
        throw new AppError("BROWSER_CRASHED", "chrome died");
      // A bulky result: must not reach the execution state (the Map discards it).
      return {
        Payload: {
          Action: "renderChunk",
          ChunkIndex: event.ChunkIndex,
          Sha256: HASH,
          Padding: "x".repeat(10_000),
        },
      };
    },
    [RENDER_STATE_NAMES.assemble]: async (params: { FunctionName: string; Payload: AssembleEvent }) => {
      calls.assemble.push(params.Payload);
      return {
        Payload: {
          Action: "assemble",
          OutputS3Uri: params.Payload.OutputS3Uri,
          FramesEncoded: 90,
          FileSize: 1234,
          Sha256: HASH,
          DurationMs: 5,
        },
      };
    },
  };
  return { calls, handlers, attempts, maxRunning: () => maxRunning };
}

async function run(
  definition: StateMachineDefinition,
  executionInput: RenderExecutionInput,
  fake: ReturnType<typeof fakeRender>,
) {
  const machine = new StateMachine(definition as ConstructorParameters<typeof StateMachine>[0], {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const execution = machine.run(executionInput, {
    overrides: {
      taskResourceLocalHandlers: fake.handlers as never,
      retryIntervalOverrides: {
        [RENDER_STATE_NAMES.plan]: 0,
        [RENDER_STATE_NAMES.renderChunk]: 0,
        [RENDER_STATE_NAMES.assemble]: 0,
      },
    },
  });
  return execution.result;
}

describe("renderStateMachine", () => {
  it("is valid ASL (asl-validator) and JSON-serializable", () => {
    const definition = renderStateMachine({ renderFunctionArn: FUNCTION_ARN });
    const { isValid, errors } = validateAsl(definition);
    expect(errors).toBe("");
    expect(isValid).toBe(true);
    expect(JSON.parse(JSON.stringify(definition))).toEqual(definition);
  });

  it("puts TimeoutSeconds and the lambda:invoke shape on every task, configurable through refs", () => {
    const definition = renderStateMachine({
      renderFunctionArn: FUNCTION_ARN,
      planTimeoutSeconds: 100,
      chunkTimeoutSeconds: 200,
      assembleTimeoutSeconds: 300,
      executionTimeoutSeconds: 4000,
    });
    const tasks = tasksOf(definition);
    expect(tasks).toHaveLength(3);
    for (const task of tasks) {
      expect(task.Resource).toBe("arn:aws:states:::lambda:invoke");
      expect(task.Parameters.FunctionName).toBe(FUNCTION_ARN);
      expect(task.TimeoutSeconds).toBeGreaterThan(0);
    }
    expect(tasks.map((task) => task.TimeoutSeconds)).toEqual([100, 200, 300]);
    expect(definition.TimeoutSeconds).toBe(4000);
  });

  it("retries exactly the registry's transient errors and Lambda's runtime errors, never a fatal one", () => {
    for (const task of tasksOf(renderStateMachine({ renderFunctionArn: FUNCTION_ARN }))) {
      expect(task.Retry).toHaveLength(1);
      const retrier = task.Retry?.[0];
      expect(new Set(retrier?.ErrorEquals)).toEqual(
        new Set([...RETRYABLE_ERROR_NAMES, ...LAMBDA_RUNTIME_ERROR_NAMES]),
      );
      for (const fatal of FATAL_ERROR_NAMES) expect(retrier?.ErrorEquals).not.toContain(fatal);
      expect(retrier?.ErrorEquals).not.toContain("States.ALL");
      expect(retrier?.BackoffRate).toBeGreaterThan(1);
      expect(retrier?.MaxAttempts).toBeGreaterThan(0);
    }
  });

  it("discards Map results and reads max parallelism from the config", () => {
    const map = renderStateMachine({ renderFunctionArn: FUNCTION_ARN }).States[
      RENDER_STATE_NAMES.renderChunks
    ] as MapState;
    expect(map.ResultPath).toBeNull();
    expect(map.MaxConcurrencyPath).toBe("$.Config.maxParallelChunks");
  });

  it("rejects bad refs with a message naming the field", () => {
    expect(() => renderStateMachine({ renderFunctionArn: FUNCTION_ARN, chunkTimeoutSeconds: 0 })).toThrow(
      /chunkTimeoutSeconds.*got 0/,
    );
    expect(() =>
      renderStateMachine({ renderFunctionArn: FUNCTION_ARN, defaultMaxParallelChunks: 41 }),
    ).toThrow(/defaultMaxParallelChunks.*got 41/);
    expect(() => renderStateMachine({ renderFunctionArn: "" })).toThrow(/renderFunctionArn/);
  });

  it("runs plan, every chunk once, then assemble with the chunk prefix and count; output stays small", async () => {
    const fake = fakeRender(7);
    const output = await run(renderStateMachine({ renderFunctionArn: FUNCTION_ARN }), input(30, 3), fake);
    expect(fake.calls.plan).toEqual([
      {
        Action: "plan",
        PlanProtocol: "v2",
        ProjectS3Uri: input(30).ProjectS3Uri,
        PlanOutputS3Prefix: input(30).PlanOutputS3Prefix,
        Config: { chunkSize: 30, maxParallelChunks: 3 },
      },
    ]);
    expect(fake.calls.chunk.map((event) => event.ChunkIndex).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6,
    ]);
    expect(fake.calls.chunk[0]).toEqual({
      Action: "renderChunk",
      PlanProtocol: "v2",
      PlanHash: HASH,
      ChunkIndex: fake.calls.chunk[0]?.ChunkIndex,
      ChunkOutputS3Prefix: "s3://bucket-x/renders/j/chunks/",
      Format: "mp4",
      PlanV2ManifestS3Uri: "s3://bucket-x/renders/j/plan/manifest.json",
      PlanV2ArtifactS3Prefix: "s3://bucket-x/renders/j/plan/artifacts/",
    });
    expect(fake.maxRunning()).toBeLessThanOrEqual(3);
    expect(fake.calls.assemble).toEqual([
      {
        Action: "assemble",
        PlanProtocol: "v2",
        PlanHash: HASH,
        PlanV2ManifestS3Uri: "s3://bucket-x/renders/j/plan/manifest.json",
        PlanV2ArtifactS3Prefix: "s3://bucket-x/renders/j/plan/artifacts/",
        OutputS3Uri: input(30).OutputS3Uri,
        Format: "mp4",
        ChunkOutputS3Prefix: "s3://bucket-x/renders/j/chunks/",
        ChunkCount: 7,
        AudioS3Uri: null,
      },
    ]);
    expect(output).toEqual({
      JobId: input(30).JobId,
      OutputS3Uri: input(30).OutputS3Uri,
      FileSize: 1234,
      Sha256: HASH,
      FramesEncoded: 90,
      ChunkCount: 7,
      PlanHash: HASH,
    });
    // 7 chunk results of 10 KB each were returned; none reached the state.
    expect(JSON.stringify(output).length).toBeLessThan(1000);
  });

  it("fills in the default parallelism when the config omits it", async () => {
    const fake = fakeRender(4);
    await run(
      renderStateMachine({ renderFunctionArn: FUNCTION_ARN, defaultMaxParallelChunks: 1 }),
      input(30),
      fake,
    );
    expect(fake.maxRunning()).toBe(1);
    expect(fake.calls.plan[0]?.Config).toEqual({ chunkSize: 30, maxParallelChunks: 1 });
  });

  it("re-runs a chunk after a transient error and fails at once on a fatal one", async () => {
    const flaky = fakeRender(3, { failChunkOnce: new Set([1]) });
    await run(renderStateMachine({ renderFunctionArn: FUNCTION_ARN }), input(30, 2), flaky);
    expect(flaky.attempts.get(1)).toBe(2);
    expect(flaky.attempts.get(0)).toBe(1);
    expect(flaky.calls.assemble).toHaveLength(1);

    const fatal = fakeRender(3, { fatalChunk: 2 });
    await expect(
      run(renderStateMachine({ renderFunctionArn: FUNCTION_ARN }), input(30, 1), fatal),
    ).rejects.toMatchObject({
      cause: { name: "PLAN_HASH_MISMATCH" },
    });
    expect(fatal.attempts.get(2)).toBe(1);
    expect(fatal.calls.assemble).toHaveLength(0);
  });

  it("fails with NO_CHUNKS when the plan has no chunks", async () => {
    const fake = fakeRender(0);
    await expect(
      run(renderStateMachine({ renderFunctionArn: FUNCTION_ARN }), input(30, 2), fake),
    ).rejects.toMatchObject({
      cause: { name: "NO_CHUNKS" },
    });
    expect(fake.calls.chunk).toHaveLength(0);
  });
});
