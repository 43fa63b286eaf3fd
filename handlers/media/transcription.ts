import {
  GetTranscriptionJobCommand,
  type LanguageCode,
  StartTranscriptionJobCommand,
  type TranscriptionJob,
} from "@aws-sdk/client-transcribe";
import { PROCESSED_FILES, processedKey } from "../contracts/bucket-layout.js";
import { AppError } from "../contracts/errors.js";
import type { MediaDeps } from "./deps.js";
import { addSubtitlesToHlsMaster, addSubtitlesToMpd, subtitlesMediaPlaylist } from "./manifests.js";
import type { MediaPlan } from "./plan.js";
import { updateStatus } from "./status.js";
import { getText, putText } from "./storage.js";
import { subtitlesVtt, TranscribeResultSchema } from "./webvtt.js";

/**
 * Speech-to-text through the Amazon Transcribe API: Amazon Transcribe in AWS, the local stand-in
 * (local/transcribe, pocketsphinx) in the local cloud; the SDK finds it through AWS_ENDPOINT_URL_TRANSCRIBE.
 * The audio is the mono 16 kHz FLAC the transcode pass wrote; the result lands in the bucket.
 */

/** Give up on a transcription job after this long (the wait loop polls until then). */
export const TRANSCRIBE_MAX_WAIT_SECONDS = 2 * 60 * 60;

interface SourceEvent {
  bucket: string;
  key: string;
  size: number;
  videoId: string;
  fileName: string;
}

export interface TranscribeStartResult {
  Action: "transcribeStart";
  jobName: string;
  language: string;
  startedAt: string;
}

export async function transcribeStart(
  deps: MediaDeps,
  event: SourceEvent & { plan: MediaPlan },
): Promise<TranscribeStartResult> {
  const now = deps.now?.() ?? new Date();
  const language = deps.config.transcribeLanguage;
  await updateStatus(
    deps.s3,
    event.bucket,
    {
      videoId: event.videoId,
      fileName: event.fileName,
      source: { bucket: event.bucket, key: event.key, size: event.size },
    },
    { status: "processing", step: "transcribe", percent: 92 },
    now,
  );
  const jobName = `${event.videoId}-${now.getTime()}`;
  try {
    await deps.transcribe.send(
      new StartTranscriptionJobCommand({
        TranscriptionJobName: jobName,
        LanguageCode: language as LanguageCode,
        MediaFormat: "flac",
        Media: {
          MediaFileUri: `s3://${event.bucket}/${processedKey(event.videoId, PROCESSED_FILES.transcriptionAudio)}`,
        },
        OutputBucketName: event.bucket,
        OutputKey: processedKey(event.videoId, PROCESSED_FILES.transcript(language)),
      }),
    );
  } catch (err) {
    throw new AppError("TRANSCRIPTION_FAILED", `StartTranscriptionJob failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return { Action: "transcribeStart", jobName, language, startedAt: now.toISOString() };
}

export interface TranscribeStatusResult {
  Action: "transcribeStatus";
  state: "IN_PROGRESS" | "COMPLETED" | "FAILED";
  reason: string | null;
}

export async function transcribeStatus(
  deps: MediaDeps,
  event: { jobName: string; startedAt: string },
): Promise<TranscribeStatusResult> {
  let job: TranscriptionJob | undefined;
  try {
    job = (
      await deps.transcribe.send(new GetTranscriptionJobCommand({ TranscriptionJobName: event.jobName }))
    ).TranscriptionJob;
  } catch (err) {
    throw new AppError(
      "TRANSCRIPTION_FAILED",
      `GetTranscriptionJob ${event.jobName} failed: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const status = job?.TranscriptionJobStatus;
  if (status === "COMPLETED") return { Action: "transcribeStatus", state: "COMPLETED", reason: null };
  if (status === "FAILED") {
    return {
      Action: "transcribeStatus",
      state: "FAILED",
      reason: job?.FailureReason ?? "the transcription job failed",
    };
  }
  const elapsed = ((deps.now?.() ?? new Date()).getTime() - Date.parse(event.startedAt)) / 1000;
  if (elapsed > TRANSCRIBE_MAX_WAIT_SECONDS) {
    return {
      Action: "transcribeStatus",
      state: "FAILED",
      reason: `the transcription job did not finish within ${TRANSCRIBE_MAX_WAIT_SECONDS} s`,
    };
  }
  return { Action: "transcribeStatus", state: "IN_PROGRESS", reason: null };
}

export interface TranscribeFinishResult {
  Action: "transcribeFinish";
  subtitles: Array<{ language: string; key: string }>;
}

const LANGUAGE_NAMES: Record<string, string> = {
  en: "English",
  es: "Español",
  fr: "Français",
  de: "Deutsch",
  it: "Italiano",
  pt: "Português",
  ja: "日本語",
};

/** Transcribe JSON -> WebVTT, plus its HLS playlist, attached to the HLS master and the DASH manifest. */
export async function transcribeFinish(
  deps: MediaDeps,
  event: SourceEvent & { plan: MediaPlan; jobName: string; language: string },
): Promise<TranscribeFinishResult> {
  const { s3 } = deps;
  const key = (file: string) => processedKey(event.videoId, file);
  const raw = await getText(s3, event.bucket, key(PROCESSED_FILES.transcript(event.language)));
  if (raw === undefined)
    throw new AppError("TRANSCRIPTION_FAILED", `transcription ${event.jobName} wrote no result`);
  const parsed = TranscribeResultSchema.safeParse(JSON.parse(raw));
  if (!parsed.success)
    throw new AppError("TRANSCRIPTION_FAILED", `transcription ${event.jobName}: unexpected result shape`);
  const vtt = subtitlesVtt(parsed.data);
  const vttFile = PROCESSED_FILES.subtitles(event.language);
  const playlistFile = PROCESSED_FILES.subtitlesPlaylist(event.language);
  await putText(s3, event.bucket, key(vttFile), vtt, "text/vtt; charset=utf-8");
  await putText(
    s3,
    event.bucket,
    key(playlistFile),
    subtitlesMediaPlaylist(event.plan.source.durationSeconds, vttFile.slice(vttFile.lastIndexOf("/") + 1)),
    "application/vnd.apple.mpegurl",
  );
  const track = {
    language: event.language,
    name: LANGUAGE_NAMES[event.language.split("-")[0] ?? ""] ?? event.language,
    playlistUri: playlistFile,
    vttUri: vttFile,
  };
  const master = await getText(s3, event.bucket, key(PROCESSED_FILES.hlsMaster));
  if (master === undefined) throw new AppError("TRANSCRIPTION_FAILED", "the HLS master playlist is missing");
  await putText(
    s3,
    event.bucket,
    key(PROCESSED_FILES.hlsMaster),
    addSubtitlesToHlsMaster(master, track),
    "application/vnd.apple.mpegurl",
  );
  if (event.plan.generateDash) {
    const mpd = await getText(s3, event.bucket, key(PROCESSED_FILES.dashManifest));
    if (mpd !== undefined) {
      await putText(
        s3,
        event.bucket,
        key(PROCESSED_FILES.dashManifest),
        addSubtitlesToMpd(mpd, track),
        "application/dash+xml",
      );
    }
  }
  return { Action: "transcribeFinish", subtitles: [{ language: event.language, key: key(vttFile) }] };
}
