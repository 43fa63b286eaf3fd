import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { newRenderJobId } from "../../handlers/contracts/ids.js";
import type { JobKind } from "../../handlers/contracts/job-status.js";
import type { RenderConfigInput } from "../../handlers/contracts/render-config.js";
import type { VideoStatus } from "../../handlers/contracts/video-status.js";
import { type FetchHistoryPage, sfnHistoryPages } from "../history/history-reader.js";
import { emptyJobModel, type JobModel, jobCost, progressFraction } from "../history/job-model.js";
import { packProject } from "../jobs/pack-project.js";
import {
  parseRenderConfig,
  renderExecutionInput,
  startRenderExecution,
  uploadProject,
} from "../jobs/render-job.js";
import { cancelJob, executionArn, type JobSummary, listJobs, refreshJob } from "../services/jobs.js";
import type { TransferProgress } from "../services/transfer.js";
import { uploadVideo, videoIdOfFile } from "../services/transfer.js";
import { deleteVideo, listVideos, playbackUrls } from "../services/videos.js";
import type { Connection } from "../target/connect.js";
import { compositionFacts, type PathInfo } from "./new-job-form.js";

/**
 * Everything the interactive UI asks of the target, as plain async functions. Hooks call these (with
 * an AbortSignal); components only see the results. Tests pass a fake.
 */
export interface JobRow extends JobSummary {
  readonly progress: number;
  readonly costUsd: number;
}

export interface VideoRow {
  readonly video: VideoStatus;
  readonly playback: { hls?: string; dash?: string };
}

export interface StartedJob {
  readonly executionArn: string;
  readonly kind: JobKind;
}

export interface TuiApi {
  readonly targetLabel: string;
  listJobs(signal: AbortSignal): Promise<JobRow[]>;
  fetchHistoryPage: FetchHistoryPage;
  cancel(executionArn: string): Promise<void>;
  listVideos(signal: AbortSignal): Promise<VideoRow[]>;
  deleteVideo(videoId: string): Promise<void>;
  /** Uploads a video (multipart) and returns the media job it starts. */
  uploadVideo(
    path: string,
    onProgress: (p: TransferProgress) => void,
    signal: AbortSignal,
  ): Promise<StartedJob>;
  /** What a path in the New job form is: a project folder (with its composition facts), a video, nothing. */
  inspectPath(path: string): Promise<PathInfo>;
  /** Packs and uploads a project folder and starts a render; undefined when not available. */
  startRender?: (
    projectDir: string,
    config: Record<string, unknown>,
    signal: AbortSignal,
  ) => Promise<StartedJob>;
}

export function connectionApi(conn: Connection, cwd: string): TuiApi {
  // Finished jobs do not change: their rows are read once per session.
  const jobCache = new Map<string, JobRow>();
  const jobModels = new Map<string, JobModel>();
  const fetchHistoryPage = sfnHistoryPages(conn.sfn);
  return {
    targetLabel: conn.endpoints.kind === "local" ? "local cloud" : `aws ${conn.endpoints.region}`,
    async listJobs(signal) {
      const jobs = await listJobs(conn.sfn, conn.endpoints, { limit: 30, signal });
      return Promise.all(
        jobs.map(async (job) => {
          const cached = jobCache.get(job.executionArn);
          if (cached && job.status !== "RUNNING" && cached.status === job.status) return cached;
          // Running jobs: only the events since the last poll (one request each).
          const previous = jobModels.get(job.executionArn) ?? emptyJobModel(job.executionArn);
          const { model } = await refreshJob(fetchHistoryPage, previous, { signal });
          jobModels.set(job.executionArn, model);
          const row: JobRow = {
            ...job,
            progress: progressFraction({ ...model, status: job.status }),
            costUsd: jobCost(model).totalUsd,
          };
          jobCache.set(job.executionArn, row);
          return row;
        }),
      );
    },
    fetchHistoryPage,
    inspectPath: (path) => inspectPath(resolve(cwd, path)),
    cancel: (arn) => cancelJob(conn.sfn, arn),
    async listVideos() {
      const videos = await listVideos(conn.s3, conn.endpoints.bucket);
      return Promise.all(
        videos.map(async (video) => ({
          video,
          playback: await playbackUrls(conn.s3, conn.endpoints, video),
        })),
      );
    },
    async deleteVideo(videoId) {
      await deleteVideo(conn.s3, conn.endpoints.bucket, videoId);
    },
    async startRender(projectDir, config) {
      const parsed = parseRenderConfig(config as RenderConfigInput);
      const packed = await packProject(resolve(cwd, projectDir));
      await uploadProject(conn.s3, conn.endpoints.bucket, packed);
      const input = renderExecutionInput(
        conn.endpoints.bucket,
        newRenderJobId(),
        packed.sha256,
        packed.name,
        parsed,
      );
      const arn = await startRenderExecution(conn.sfn, conn.endpoints, input);
      return { executionArn: arn, kind: "render" };
    },
    async uploadVideo(path, onProgress, signal) {
      const videoId = await videoIdOfFile(path);
      await uploadVideo(conn.s3, conn.endpoints.bucket, path, {
        local: conn.endpoints.kind === "local",
        onProgress,
        signal,
      });
      return { executionArn: executionArn(conn.endpoints.mediaStateMachineArn, videoId), kind: "media" };
    },
  };
}

export async function inspectPath(path: string): Promise<PathInfo> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return { kind: "missing" };
  if (info.isFile()) return { kind: "video", bytes: info.size };
  const html = await readFile(join(path, "index.html"), "utf8").catch(() => "");
  return { kind: "project", ...compositionFacts(html) };
}
