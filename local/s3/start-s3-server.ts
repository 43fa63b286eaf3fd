import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { AppError } from "../../handlers/contracts/errors.js";
import type { S3ProcessMessage } from "./s3-server-process.js";

export interface S3ObjectCreated {
  bucket: string;
  key: string;
  size: number;
  eventName: string;
}

export interface LocalS3Server {
  readonly endpoint: string;
  stop(): Promise<void>;
}

const entry = fileURLToPath(new URL("./s3-server-process.ts", import.meta.url));
const tsxLoader = import.meta.resolve("tsx");

interface S3EventRecord {
  eventName?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number } };
}

/** Object-created records from an s3rver event (the AWS notification shape). */
export function objectCreatedRecords(event: unknown): S3ObjectCreated[] {
  const records = (event as { Records?: S3EventRecord[] } | undefined)?.Records ?? [];
  return records.flatMap((record) => {
    const bucket = record.s3?.bucket?.name;
    const key = record.s3?.object?.key;
    if (!record.eventName?.startsWith("ObjectCreated:") || !bucket || key === undefined) return [];
    return [{ bucket, key, size: record.s3?.object?.size ?? 0, eventName: record.eventName }];
  });
}

/** Starts s3rver in a child process (see s3-server-process.ts) with its data in `directory`. */
export async function startS3Server(options: {
  directory: string;
  bucket: string;
  nodePath: string;
  port?: number;
  onObjectCreated?: (created: S3ObjectCreated) => void;
  log?: (line: string) => void;
}): Promise<LocalS3Server> {
  await mkdir(options.directory, { recursive: true });
  const child = spawn(options.nodePath, ["--openssl-legacy-provider", "--import", tsxLoader, entry], {
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (text: string) => {
    stderr = (stderr + text).slice(-4096);
    options.log?.(`[s3] ${text.trimEnd()}`);
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.on("message", (message: S3ProcessMessage) => {
      if (message.type === "ready") resolve(message.port);
      else if (message.type === "failed") reject(new Error(message.message));
      else for (const created of objectCreatedRecords(message.event)) options.onObjectCreated?.(created);
    });
    child.once("exit", (code) => reject(new Error(`the S3 server exited (${code}) ${stderr}`)));
    child.send({
      type: "start",
      directory: options.directory,
      bucket: options.bucket,
      port: options.port ?? 0,
    });
  }).catch((err: Error) => {
    child.kill("SIGKILL");
    throw new AppError("DEPENDENCY_MISSING", `Could not start the local S3 server: ${err.message}`, {
      cause: err,
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const force = setTimeout(() => child.kill("SIGKILL"), 3000);
        child.once("exit", () => {
          clearTimeout(force);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}
