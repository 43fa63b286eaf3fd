import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { parseS3Uri } from "../../handlers/contracts/bucket-layout.js";
import { s3ClientOptions } from "../../handlers/contracts/s3-client-options.js";
import { speechWavArgs } from "../../handlers/media/ffmpeg/args.js";
import { runFfmpeg } from "../../handlers/media/ffmpeg/run.js";
import { downloadToFile } from "../../handlers/media/storage.js";
import { ffmpegPath } from "../../handlers/shared/binaries.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../discovery.js";
import { listenOnLoopback } from "../loopback-server.js";
import {
  POCKETSPHINX_BINARY,
  type PocketsphinxOptions,
  recognize,
  toTranscribeResult,
} from "./pocketsphinx.js";

/**
 * A local stand-in for Amazon Transcribe's batch API: StartTranscriptionJob and GetTranscriptionJob over
 * the awsJson1_1 protocol (`X-Amz-Target: Transcribe.<Operation>`), so the media function uses the real
 * @aws-sdk/client-transcribe with AWS_ENDPOINT_URL_TRANSCRIBE pointing here. Jobs run one at a time:
 * media from the local S3 server -> 16 kHz WAV (ffmpeg) -> pocketsphinx -> a Transcribe-shaped JSON
 * result written to OutputBucketName/OutputKey. English only. When pocketsphinx is missing, jobs FAIL
 * with the reason (the pipeline then completes without subtitles and records why).
 */

export interface LocalTranscribeOptions {
  /** The local S3 server (path-style, local credentials). */
  s3Endpoint: string;
  /** Default 0: any free port on 127.0.0.1. */
  port?: number;
  host?: string;
  pocketsphinx?: PocketsphinxOptions;
  ffmpegPath?: string;
  tmpDir?: string;
  log?: (line: string) => void;
}

export interface LocalTranscribe {
  /** `http://127.0.0.1:<port>`: set it as AWS_ENDPOINT_URL_TRANSCRIBE for the media workers. */
  endpoint: string;
  stop(): Promise<void>;
}

type JobStatus = "QUEUED" | "IN_PROGRESS" | "COMPLETED" | "FAILED";

interface Job {
  TranscriptionJobName: string;
  TranscriptionJobStatus: JobStatus;
  LanguageCode: string;
  MediaFormat?: string;
  Media: { MediaFileUri: string };
  CreationTime: number;
  StartTime?: number;
  CompletionTime?: number;
  FailureReason?: string;
  Transcript?: { TranscriptFileUri: string };
  output: { bucket: string; key: string };
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startLocalTranscribe(options: LocalTranscribeOptions): Promise<LocalTranscribe> {
  const s3 = new S3Client(
    s3ClientOptions({
      endpoint: options.s3Endpoint,
      forcePathStyle: true,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    }),
  );
  const jobs = new Map<string, Job>();
  let queue: Promise<void> = Promise.resolve();
  const log = options.log ?? (() => undefined);

  const runJob = async (job: Job): Promise<void> => {
    job.TranscriptionJobStatus = "IN_PROGRESS";
    job.StartTime = Date.now() / 1000;
    const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), "transcribe-"));
    try {
      if (!job.LanguageCode.startsWith("en")) {
        throw new Error(`the local engine (pocketsphinx) only knows English; got ${job.LanguageCode}`);
      }
      const media = parseS3Uri(job.Media.MediaFileUri);
      const input = join(dir, "media");
      const wav = join(dir, "speech.wav");
      await downloadToFile(s3, media.bucket, media.key, input);
      await runFfmpeg(speechWavArgs(input, wav), {
        ffmpegPath: options.ffmpegPath ?? ffmpegPath(),
        timeoutMs: 600_000,
        label: "transcribe audio",
        errorName: "TRANSCRIPTION_FAILED",
      });
      let words: Awaited<ReturnType<typeof recognize>>;
      try {
        words = await recognize(wav, options.pocketsphinx);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") {
          throw new Error(
            `${options.pocketsphinx?.binary ?? POCKETSPHINX_BINARY} is not installed (apt-get install pocketsphinx pocketsphinx-en-us)`,
          );
        }
        throw err;
      }
      const result = toTranscribeResult(job.TranscriptionJobName, words);
      await s3.send(
        new PutObjectCommand({
          Bucket: job.output.bucket,
          Key: job.output.key,
          Body: JSON.stringify(result),
          ContentType: "application/json",
        }),
      );
      job.TranscriptionJobStatus = "COMPLETED";
      job.Transcript = { TranscriptFileUri: `s3://${job.output.bucket}/${job.output.key}` };
      log(`[transcribe] ${job.TranscriptionJobName}: ${words.length} words`);
    } catch (err) {
      job.TranscriptionJobStatus = "FAILED";
      job.FailureReason = (err as Error).message;
      log(`[transcribe] ${job.TranscriptionJobName} failed: ${job.FailureReason}`);
    } finally {
      job.CompletionTime = Date.now() / 1000;
      await rm(dir, { recursive: true, force: true });
    }
  };

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    StartTranscriptionJob(body) {
      const name = body.TranscriptionJobName;
      const media = (body.Media as { MediaFileUri?: unknown } | undefined)?.MediaFileUri;
      const language = body.LanguageCode;
      if (typeof name !== "string" || !/^[0-9a-zA-Z._-]{1,200}$/.test(name)) {
        throw new ApiError("BadRequestException", "TranscriptionJobName is missing or invalid");
      }
      if (typeof media !== "string")
        throw new ApiError("BadRequestException", "Media.MediaFileUri is required");
      if (typeof language !== "string")
        throw new ApiError(
          "BadRequestException",
          "LanguageCode is required (no language identification locally)",
        );
      if (jobs.has(name))
        throw new ApiError(
          "ConflictException",
          "The requested job name already exists. Use a different job name.",
        );
      const source = parseS3Uri(media);
      const outputBucket = typeof body.OutputBucketName === "string" ? body.OutputBucketName : source.bucket;
      const outputKey = typeof body.OutputKey === "string" ? body.OutputKey : `${name}.json`;
      const job: Job = {
        TranscriptionJobName: name,
        TranscriptionJobStatus: "QUEUED",
        LanguageCode: language,
        MediaFormat: typeof body.MediaFormat === "string" ? body.MediaFormat : undefined,
        Media: { MediaFileUri: media },
        CreationTime: Date.now() / 1000,
        output: { bucket: outputBucket, key: outputKey },
      };
      jobs.set(name, job);
      queue = queue.then(() => runJob(job));
      return { TranscriptionJob: publicJob(job) };
    },
    GetTranscriptionJob(body) {
      const job =
        typeof body.TranscriptionJobName === "string" ? jobs.get(body.TranscriptionJobName) : undefined;
      if (!job)
        throw new ApiError(
          "BadRequestException",
          "The requested job couldn't be found. Check the job name and try your request again.",
        );
      return { TranscriptionJob: publicJob(job) };
    },
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = target.startsWith("Transcribe.")
      ? operations[target.slice("Transcribe.".length)]
      : undefined;
    try {
      if (req.method !== "POST" || !operation) {
        throw new ApiError(
          "UnknownOperationException",
          `The local Transcribe supports StartTranscriptionJob and GetTranscriptionJob, not ${target || req.method}`,
        );
      }
      const text = Buffer.concat(chunks).toString("utf8");
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      send(res, 200, operation(body));
    } catch (err) {
      const type = err instanceof ApiError ? err.type : "InternalFailureException";
      send(res, err instanceof ApiError ? 400 : 500, { __type: type, message: (err as Error).message }, type);
    }
  };

  const listener = await listenOnLoopback(server, options.port, options.host);
  return {
    endpoint: listener.endpoint,
    async stop() {
      await listener.close();
      await queue.catch(() => undefined);
      s3.destroy();
    },
  };
}

function publicJob(job: Job): Omit<Job, "output"> {
  const { output: _output, ...rest } = job;
  return rest;
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const headers: Record<string, string> = { "content-type": "application/x-amz-json-1.1" };
  if (errorType) headers["x-amzn-errortype"] = errorType;
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}
