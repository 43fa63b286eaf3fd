import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../local/discovery.js";
import { type LocalCloudHandle, startLocalCloud } from "../../../local/index.js";
import { isRunning } from "../../../local/workers/process-tree.js";
import { MAP_OF_TASKS, SINGLE_TASK, testFunctions } from "./fixtures/test-machines.js";

/**
 * The local Step Functions API through the real @aws-sdk/client-sfn, running small definitions whose
 * tasks are the stand-in handler in real worker processes.
 */

let scratch: string;
let cloud: LocalCloudHandle;
let sfn: SFNClient;

async function startCloud(): Promise<void> {
  cloud = await startLocalCloud({
    dataDir: join(scratch, "data"),
    functions: testFunctions(),
    stateMachines: [SINGLE_TASK, MAP_OF_TASKS],
    uploadTrigger: false,
  });
  sfn = new SFNClient({
    region: LOCAL_REGION,
    endpoint: cloud.endpoints.sfnEndpoint,
    credentials: LOCAL_CREDENTIALS,
  });
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "local-sfn-"));
  await startCloud();
});

afterAll(async () => {
  sfn?.destroy();
  await cloud?.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function run(machine: { arn: string }, name: string, input: unknown): Promise<string> {
  const started = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: machine.arn, name, input: JSON.stringify(input) }),
  );
  const arn = started.executionArn as string;
  await cloud.engine.waitForExecution(arn);
  return arn;
}

async function fullHistory(
  executionArn: string,
  reverseOrder = false,
  maxResults = 1000,
): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults, reverseOrder, nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).name;
  }
  return "no error";
}

describe("local Step Functions API", () => {
  it("runs a Map of tasks and keeps an AWS-shaped history", async () => {
    const items = [1, 2, 3, 4].map((value) => ({ Action: "echo", Value: value }));
    const arn = await run(MAP_OF_TASKS, "map-ok", { Items: items });
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(described.status).toBe("SUCCEEDED");
    expect(described.startDate).toBeInstanceOf(Date);
    expect(JSON.parse(described.output ?? "{}").Results).toEqual([
      { Value: 1 },
      { Value: 2 },
      { Value: 3 },
      { Value: 4 },
    ]);

    const events = await fullHistory(arn);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ type: "ExecutionStarted", previousEventId: 0 });
    expect(events.at(-1)?.type).toBe("ExecutionSucceeded");
    for (const event of events.slice(1)) {
      expect(event.previousEventId).toBeGreaterThan(0);
      expect(event.previousEventId).toBeLessThan(event.id as number);
    }
    const count = (type: string) => events.filter((e) => e.type === type).length;
    expect(count("MapStateEntered")).toBe(1);
    expect(events.find((e) => e.type === "MapStateStarted")?.mapStateStartedEventDetails?.length).toBe(4);
    expect(count("MapIterationStarted")).toBe(4);
    expect(count("MapIterationSucceeded")).toBe(4);
    expect(count("TaskStateEntered")).toBe(4);
    expect(count("TaskScheduled")).toBe(4);
    expect(count("TaskStarted")).toBe(4);
    expect(count("TaskSucceeded")).toBe(4);
    expect(count("MapStateSucceeded")).toBe(1);
    const scheduled = events.find((e) => e.type === "TaskScheduled");
    expect(scheduled?.taskScheduledEventDetails).toMatchObject({
      resourceType: "lambda",
      resource: "invoke",
      region: LOCAL_REGION,
      timeoutInSeconds: 60,
    });
    expect(JSON.parse(scheduled?.taskScheduledEventDetails?.parameters ?? "{}").FunctionName).toContain(
      ":function:test",
    );
    // A task's events chain: TaskStateEntered <- TaskScheduled <- TaskStarted <- TaskSucceeded.
    const byId = new Map(events.map((e) => [e.id, e]));
    const succeeded = events.find((e) => e.type === "TaskSucceeded") as HistoryEvent;
    const started = byId.get(succeeded.previousEventId);
    expect(started?.type).toBe("TaskStarted");
    expect(byId.get(started?.previousEventId)?.type).toBe("TaskScheduled");
    expect(byId.get(byId.get(started?.previousEventId)?.previousEventId)?.type).toBe("TaskStateEntered");
    expect(JSON.parse(succeeded.taskSucceededEventDetails?.output ?? "{}")).toMatchObject({
      StatusCode: 200,
      Payload: { Value: expect.any(Number) },
    });
  });

  it("pages history with maxResults and nextToken, forwards and in reverse, like AWS", async () => {
    const arn = await run(MAP_OF_TASKS, "map-pages", { Items: [{ Action: "echo" }, { Action: "echo" }] });
    const all = await fullHistory(arn);
    const paged = await fullHistory(arn, false, 3);
    expect(paged).toEqual(all);
    const reversed = await fullHistory(arn, true, 4);
    expect(reversed.map((e) => e.id)).toEqual([...all].reverse().map((e) => e.id));
    const first = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 2, reverseOrder: true }),
    );
    expect(first.events?.map((e) => e.type)).toEqual(["ExecutionSucceeded", "MapStateExited"]);
    expect(first.nextToken).toBeTruthy();
    // A token belongs to its direction, as in AWS.
    expect(
      await errorName(
        sfn.send(
          new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 2, nextToken: first.nextToken }),
        ),
      ),
    ).toBe("InvalidToken");
    const withoutData = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1, includeExecutionData: false }),
    );
    expect(withoutData.events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
  });

  it("retries a crashed worker per the definition's Retry (Runtime.ExitError) and succeeds", async () => {
    const marker = join(scratch, "crash-once");
    const arn = await run(SINGLE_TASK, "crash-once", {
      Event: { Action: "crashOnce", MarkerFile: marker, Value: 7 },
    });
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe("SUCCEEDED");
    const events = await fullHistory(arn);
    const tasks = events.filter(
      (e) => e.type?.startsWith("Task") && e.type !== "TaskStateEntered" && e.type !== "TaskStateExited",
    );
    expect(tasks.map((e) => e.type)).toEqual([
      "TaskScheduled",
      "TaskStarted",
      "TaskFailed",
      "TaskScheduled",
      "TaskStarted",
      "TaskSucceeded",
    ]);
    expect(tasks[2]?.taskFailedEventDetails?.error).toBe("Runtime.ExitError");
    expect(await readFile(marker, "utf8")).toBe("crashed");
  });

  it("fails once on a non-retryable error, with its name and cause in the history", async () => {
    const arn = await run(SINGLE_TASK, "fails", { Event: { Action: "fail" } });
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(described).toMatchObject({
      status: "FAILED",
      error: "INVALID_CONFIG",
      cause: "fps must be one of 24, 30, 60",
    });
    const events = await fullHistory(arn);
    const failed = events.filter((e) => e.type === "TaskFailed");
    expect(failed).toHaveLength(1);
    expect(failed[0]?.taskFailedEventDetails).toMatchObject({
      error: "INVALID_CONFIG",
      cause: "fps must be one of 24, 30, 60",
    });
    expect(events.filter((e) => e.type === "TaskScheduled")).toHaveLength(1);
    expect(events.at(-1)?.executionFailedEventDetails).toEqual({
      error: "INVALID_CONFIG",
      cause: "fps must be one of 24, 30, 60",
    });
  });

  it("treats execution names as idempotent: same input while running returns it, else ExecutionAlreadyExists", async () => {
    const input = JSON.stringify({ Event: { Action: "sleep", Seconds: 3 } });
    const first = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: SINGLE_TASK.arn, name: "same-name", input }),
    );
    const again = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: SINGLE_TASK.arn, name: "same-name", input }),
    );
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());
    const other = JSON.stringify({ Event: { Action: "sleep", Seconds: 4 } });
    expect(
      await errorName(
        sfn.send(
          new StartExecutionCommand({ stateMachineArn: SINGLE_TASK.arn, name: "same-name", input: other }),
        ),
      ),
    ).toBe("ExecutionAlreadyExists");
    await cloud.engine.waitForExecution(first.executionArn as string);
    expect(
      await errorName(
        sfn.send(new StartExecutionCommand({ stateMachineArn: SINGLE_TASK.arn, name: "same-name", input })),
      ),
    ).toBe("ExecutionAlreadyExists");
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: SINGLE_TASK.arn }));
    expect(listed.executions?.filter((e) => e.name === "same-name")).toHaveLength(1);
  });

  it("answers unknown executions and machines with the API's error names", async () => {
    const missing = SINGLE_TASK.arn.replace(":stateMachine:", ":execution:").concat(":nope");
    expect(await errorName(sfn.send(new DescribeExecutionCommand({ executionArn: missing })))).toBe(
      "ExecutionDoesNotExist",
    );
    expect(
      await errorName(sfn.send(new StartExecutionCommand({ stateMachineArn: `${SINGLE_TASK.arn}-x` }))),
    ).toBe("StateMachineDoesNotExist");
    expect(
      await errorName(
        sfn.send(new StartExecutionCommand({ stateMachineArn: SINGLE_TASK.arn, name: "bad name" })),
      ),
    ).toBe("InvalidName");
    expect(
      await errorName(sfn.send(new StartExecutionCommand({ stateMachineArn: SINGLE_TASK.arn, input: "{" }))),
    ).toBe("InvalidExecutionInput");
  });

  it("StopExecution ends the execution ABORTED and kills its workers and what they started", async () => {
    const pidFile = join(scratch, "stop.pid");
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: SINGLE_TASK.arn,
        name: "to-stop",
        input: JSON.stringify({ Event: { Action: "spawn", Seconds: 300, PidFile: pidFile } }),
      }),
    );
    let pid = 0;
    while (pid === 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      pid = Number(await readFile(pidFile, "utf8").catch(() => "0"));
    }
    expect(await isRunning(pid)).toBe(true);
    await sfn.send(
      new StopExecutionCommand({ executionArn: started.executionArn, error: "JOB_CANCELLED", cause: "test" }),
    );
    expect(await isRunning(pid)).toBe(false);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described).toMatchObject({ status: "ABORTED", error: "JOB_CANCELLED", cause: "test" });
    const events = await fullHistory(started.executionArn as string);
    expect(events.at(-1)).toMatchObject({
      type: "ExecutionAborted",
      executionAbortedEventDetails: { error: "JOB_CANCELLED", cause: "test" },
    });
  });

  it("keeps executions and histories in the data folder across restarts", async () => {
    const arn = await run(SINGLE_TASK, "persisted", { Event: { Action: "echo", Value: "kept" } });
    const before = await fullHistory(arn);
    sfn.destroy();
    await cloud.stop();
    await startCloud();
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(described.status).toBe("SUCCEEDED");
    expect(await fullHistory(arn)).toEqual(before);
    const listed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: SINGLE_TASK.arn, maxResults: 2 }),
    );
    expect(listed.executions).toHaveLength(2);
    expect(listed.nextToken).toBeTruthy();
  });
});
