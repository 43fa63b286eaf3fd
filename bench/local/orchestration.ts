import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local/discovery.js";
import { startLocalCloud } from "../../local/index.js";
import { MAP_OF_TASKS, testFunctions } from "../../test/integration/local/fixtures/test-machines.js";
import { runRenderJob } from "../../tui/jobs/render-job.js";
import { clientsFor, endpointsFromLocal } from "../../tui/target/connect.js";

/**
 * `npm run bench -- local-orchestration [items] [chunkSize]`
 *
 * 1. A Map of `items` (default 1,000) trivial tasks through the local Step Functions API, each task a
 *    real worker process: wall time, peak memory of this process, history events and bytes. Baseline:
 *    the same definition in aws-local-stepfunctions in-process with no-op tasks (no workers, no API).
 * 2. A real render (fixtures/compositions/title-card) through the local cloud: the share of the
 *    execution's wall time during which no plan/chunk/assemble handler was working (worker start-up,
 *    scheduling, history), from the handlers' own DurationMs and the history's timestamps.
 */

const ROOT = resolve(import.meta.dirname, "../..");

async function history(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

async function baselineMap(items: number): Promise<number> {
  const definition = structuredClone(MAP_OF_TASKS.definition) as unknown as StateMachineDefinition;
  const machine = new StateMachine(definition);
  const started = performance.now();
  const run = machine.run(
    { Items: Array.from({ length: items }, (_, i) => ({ Action: "echo", Value: i })) } as never,
    {
      overrides: { taskResourceLocalHandlers: { Item: () => ({ Payload: { Value: 0 } }) } },
    },
  );
  await run.result;
  return performance.now() - started;
}

async function localMap(scratch: string, items: number) {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  const cloud = await startLocalCloud({
    dataDir: join(scratch, "map"),
    functions: testFunctions(),
    stateMachines: [MAP_OF_TASKS],
    uploadTrigger: false,
  });
  const sfn = new SFNClient({
    region: LOCAL_REGION,
    endpoint: cloud.endpoints.sfnEndpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const started = performance.now();
    const out = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: MAP_OF_TASKS.arn,
        name: "bench-map",
        input: JSON.stringify({
          Items: Array.from({ length: items }, (_, i) => ({ Action: "echo", Value: i })),
        }),
      }),
    );
    const record = await cloud.engine.waitForExecution(out.executionArn as string);
    const wallMs = performance.now() - started;
    const events = await history(sfn, out.executionArn as string);
    const file = join(
      scratch,
      "map",
      "stepfunctions",
      "executions",
      MAP_OF_TASKS.name,
      "bench-map.history.json",
    );
    const invocations = cloud.invocations.filter((i) => i.tag === out.executionArn);
    const meanInvocationMs =
      invocations.reduce((sum, i) => sum + i.durationMs, 0) / Math.max(1, invocations.length);
    return {
      status: record.status,
      wallMs: Math.round(wallMs),
      peakRssMb: Math.round(peakRss / 1048576),
      historyEvents: events.length,
      historyBytes: (await stat(file)).size,
      invocations: invocations.length,
      coldStarts: invocations.filter((i) => i.coldStart).length,
      meanWorkerMs: Math.round(meanInvocationMs),
      concurrency: availableParallelism(),
    };
  } finally {
    clearInterval(sampler);
    sfn.destroy();
    await cloud.stop();
  }
}

interface Interval {
  start: number;
  end: number;
}

function unionMs(intervals: Interval[]): number {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  let total = 0;
  let current: Interval | undefined;
  for (const interval of sorted) {
    if (!current || interval.start > current.end) {
      if (current) total += current.end - current.start;
      current = { ...interval };
    } else current.end = Math.max(current.end, interval.end);
  }
  if (current) total += current.end - current.start;
  return total;
}

async function realRender(scratch: string, chunkSize: number) {
  const cloud = await startLocalCloud({ dataDir: join(scratch, "render") });
  const clients = clientsFor(endpointsFromLocal(cloud.endpoints));
  try {
    const result = await runRenderJob(
      { endpoints: endpointsFromLocal(cloud.endpoints), ...clients },
      { projectDir: join(ROOT, "fixtures/compositions/title-card"), config: { chunkSize }, cwd: scratch },
    );
    const events = await history(clients.sfn, result.executionArn);
    const first = events[0]?.timestamp?.getTime() ?? 0;
    const last = events.at(-1)?.timestamp?.getTime() ?? 0;
    const busy: Interval[] = [];
    const taskMs: number[] = [];
    for (const event of events) {
      if (event.type !== "TaskSucceeded") continue;
      const output = JSON.parse(event.taskSucceededEventDetails?.output ?? "{}") as {
        Payload?: { DurationMs?: number };
      };
      const end = event.timestamp?.getTime() ?? 0;
      const work = output.Payload?.DurationMs ?? 0;
      busy.push({ start: end - work, end });
      taskMs.push(work);
    }
    const executionMs = last - first;
    const workMs = unionMs(busy);
    return {
      status: result.status,
      chunks: result.model.chunkCount ?? null,
      jobWallMs: result.wallTimeMs,
      executionMs,
      handlerWorkMs: workMs,
      orchestrationShare: Number(((executionMs - workMs) / executionMs).toFixed(3)),
      clientSideMs: result.wallTimeMs - executionMs,
      taskWorkMs: taskMs,
    };
  } finally {
    clients.s3.destroy();
    clients.sfn.destroy();
    await cloud.stop();
  }
}

export async function main(args: string[]): Promise<void> {
  const items = Number(args[0] ?? 1000);
  const chunkSize = Number(args[1] ?? 20);
  const scratch = await mkdtemp(join(tmpdir(), "bench-local-"));
  try {
    const baselineMs = await baselineMap(items);
    const map = await localMap(scratch, items);
    console.log(
      `map of ${items} trivial tasks: in-process interpreter ${baselineMs.toFixed(0)} ms (baseline)`,
    );
    console.log(
      `  through the local API with worker processes: ${map.wallMs} ms = ${(map.wallMs / baselineMs).toFixed(1)}x baseline; ${map.invocations} invocations (${map.coldStarts} cold starts), mean ${map.meanWorkerMs} ms each, concurrency ${map.concurrency}`,
    );
    console.log(
      `  history: ${map.historyEvents} events, ${map.historyBytes} bytes on disk; peak RSS of the local cloud process ${map.peakRssMb} MB`,
    );
    const render = await realRender(scratch, chunkSize);
    console.log(
      `real render (title-card, ${render.chunks} chunks): execution ${render.executionMs} ms, handler work ${render.handlerWorkMs} ms, orchestration share ${(render.orchestrationShare * 100).toFixed(1)} %; client-side (pack, upload, poll, download) ${render.clientSideMs} ms`,
    );
    await mkdir(join(ROOT, "bench", "results"), { recursive: true });
    await writeFile(
      join(ROOT, "bench", "results", "local-orchestration.json"),
      `${JSON.stringify({ date: new Date().toISOString(), items, baselineMs: Math.round(baselineMs), map, render }, null, 2)}\n`,
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
