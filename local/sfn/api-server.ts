import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { listenOnLoopback } from "../loopback-server.js";
import { SfnApiError, type StepFunctionsEngine } from "./engine.js";
import type { ExecutionRecord } from "./execution-store.js";
import type { StoredHistoryEvent } from "./history.js";

/**
 * The Step Functions JSON API (awsJson1_0: `POST /`, `X-Amz-Target: AWSStepFunctions.<Operation>`)
 * over the local engine, enough for `@aws-sdk/client-sfn`: StartExecution, DescribeExecution,
 * ListExecutions, StopExecution, GetExecutionHistory, ListStateMachines, DescribeStateMachine.
 * Timestamps are epoch seconds as the protocol has them; errors are `{__type, message}`.
 */

const seconds = (iso: string | number | undefined): number | undefined =>
  iso === undefined ? undefined : (typeof iso === "number" ? iso : Date.parse(iso)) / 1000;

function describe(record: ExecutionRecord): Record<string, unknown> {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: seconds(record.startDate),
    ...(record.stopDate ? { stopDate: seconds(record.stopDate) } : {}),
    input: record.input,
    inputDetails: { included: true },
    ...(record.output !== undefined ? { output: record.output, outputDetails: { included: true } } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.cause !== undefined ? { cause: record.cause } : {}),
  };
}

function listItem(record: ExecutionRecord): Record<string, unknown> {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: seconds(record.startDate),
    ...(record.stopDate ? { stopDate: seconds(record.stopDate) } : {}),
  };
}

const historyEvent = (event: StoredHistoryEvent): Record<string, unknown> => ({
  ...event,
  timestamp: seconds(event.timestamp),
});

type Body = Record<string, unknown>;
type Operation = (engine: StepFunctionsEngine, body: Body) => Promise<Body> | Body;

const optionalNumber = (value: unknown): number | undefined =>
  typeof value === "number" ? value : undefined;
const optionalString = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined;

const OPERATIONS: Record<string, Operation> = {
  StartExecution: async (engine, body) => {
    const started = await engine.startExecution(body);
    return { executionArn: started.executionArn, startDate: started.startDate.getTime() / 1000 };
  },
  DescribeExecution: (engine, body) => describe(engine.describeExecution(body)),
  ListExecutions: (engine, body) => {
    const page = engine.listExecutions({
      stateMachineArn: body.stateMachineArn,
      statusFilter: body.statusFilter,
      maxResults: optionalNumber(body.maxResults),
      nextToken: optionalString(body.nextToken),
    } as Parameters<StepFunctionsEngine["listExecutions"]>[0]);
    return {
      executions: page.executions.map(listItem),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    };
  },
  StopExecution: async (engine, body) => {
    const stopped = await engine.stopExecution(body);
    return { stopDate: stopped.stopDate.getTime() / 1000 };
  },
  GetExecutionHistory: async (engine, body) => {
    const page = await engine.getExecutionHistory({
      executionArn: body.executionArn,
      maxResults: optionalNumber(body.maxResults),
      nextToken: optionalString(body.nextToken),
      reverseOrder: body.reverseOrder === true,
      includeExecutionData: body.includeExecutionData !== false,
    } as Parameters<StepFunctionsEngine["getExecutionHistory"]>[0]);
    return {
      events: page.events.map(historyEvent),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    };
  },
  ListStateMachines: (engine) => ({
    stateMachines: engine.stateMachines.map((m) => ({
      stateMachineArn: m.arn,
      name: m.name,
      type: "STANDARD",
      creationDate: 0,
    })),
  }),
  DescribeStateMachine: (engine, body) => {
    const machine = engine.stateMachines.find((m) => m.arn === body.stateMachineArn);
    if (!machine)
      throw new SfnApiError(
        "StateMachineDoesNotExist",
        `State Machine Does Not Exist: '${String(body.stateMachineArn)}'`,
      );
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: "ACTIVE",
      definition: JSON.stringify(machine.definition),
      roleArn: machine.roleArn ?? "arn:aws:iam::000000000000:role/hyperframes-local",
      type: "STANDARD",
      creationDate: 0,
    };
  },
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: Body): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": crypto.randomUUID(),
    ...(status >= 400 && typeof body.__type === "string" ? { "x-amzn-errortype": body.__type } : {}),
  });
  res.end(text);
}

export async function handleSfnRequest(
  engine: StepFunctionsEngine,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const target = String(req.headers["x-amz-target"] ?? "");
    const operationName = target.startsWith("AWSStepFunctions.")
      ? target.slice("AWSStepFunctions.".length)
      : "";
    const operation = OPERATIONS[operationName];
    if (req.method !== "POST" || !operation) {
      throw new SfnApiError(
        "UnknownOperationException",
        `The local cloud does not implement ${target || `${req.method} ${req.url}`}`,
      );
    }
    const text = await readBody(req);
    let body: Body;
    try {
      body = text ? (JSON.parse(text) as Body) : {};
    } catch {
      throw new SfnApiError("SerializationException", "The request body is not JSON");
    }
    send(res, 200, await operation(engine, body));
  } catch (err) {
    if (err instanceof SfnApiError) {
      send(res, err.httpStatus, { __type: err.code, message: err.message });
    } else {
      send(res, 500, { __type: "InternalServerError", message: (err as Error).message });
    }
  }
}

export interface SfnApiServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

export async function startSfnApiServer(engine: StepFunctionsEngine, port = 0): Promise<SfnApiServer> {
  const server: Server = createServer((req, res) => {
    void handleSfnRequest(engine, req, res);
  });
  server.keepAliveTimeout = 5000;
  return listenOnLoopback(server, port);
}
