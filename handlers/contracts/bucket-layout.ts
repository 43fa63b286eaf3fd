/**
 * Where everything lives in the one bucket. Every key the system reads or writes is built here, so the
 * IAM scopes in modules/, the lifecycle rules, the handlers, the API and the CLI agree.
 *
 *   projects/<sha256>.tar.gz                render inputs, content-addressed (kept)
 *   renders/<jobId>/                        the render's PlanOutputS3Prefix (expires):
 *     plan/manifest.json, plan/artifacts/..   v2 plan manifest and content-addressed artifacts
 *     chunks/chunk-NNNN.<ext>                 rendered chunks, SHA-256 in object metadata
 *   outputs/<jobId>/<name>.<format>         final renders (kept)
 *   uploads/<uploadId>/<fileName>           incoming videos; the media trigger prefix; never written by the pipeline
 *   processed/<videoId>/...                 status.json, manifests, segments, thumbnails, subtitles
 *   processed/names/<encoded name>.json     original file name -> video id
 */

export const PREFIXES = {
  projects: "projects/",
  renders: "renders/",
  outputs: "outputs/",
  uploads: "uploads/",
  processed: "processed/",
  names: "processed/names/",
} as const;

export type Prefix = keyof typeof PREFIXES;

export const projectKey = (sha256: string): string => `${PREFIXES.projects}${sha256}.tar.gz`;

/** The state machine's `PlanOutputS3Prefix` (HyperFrames' adapter name): everything the job writes before Assemble. */
export const renderPrefix = (jobId: string): string => `${PREFIXES.renders}${jobId}/`;
export const planPrefix = (jobId: string): string => `${renderPrefix(jobId)}plan/`;
export const chunkPrefix = (jobId: string): string => `${renderPrefix(jobId)}chunks/`;
/** S3 user-metadata key (`x-amz-meta-sha256`) holding a chunk's hex SHA-256, written by RenderChunk. */
export const CHUNK_DIGEST_METADATA_KEY = "sha256";
/** Chunk keys are derived, never listed in state: Assemble finds chunk i here and checks its digest. */
export const chunkKey = (jobId: string, chunkIndex: number, extension: string): string =>
  `${chunkPrefix(jobId)}chunk-${String(chunkIndex).padStart(4, "0")}.${extension}`;

export const outputKey = (jobId: string, name: string, format: string): string =>
  `${PREFIXES.outputs}${jobId}/${name}.${format}`;

export const uploadKey = (uploadId: string, fileName: string): string =>
  `${PREFIXES.uploads}${uploadId}/${fileName}`;

export const processedPrefix = (videoId: string): string => `${PREFIXES.processed}${videoId}/`;
export const statusKey = (videoId: string): string => `${processedPrefix(videoId)}status.json`;

/** Names of the packaged assets under processed/<videoId>/. */
export const PROCESSED_FILES = {
  status: "status.json",
  hlsMaster: "master.m3u8",
  dashManifest: "manifest.mpd",
  poster: "poster.jpg",
  thumbnailsVtt: "thumbnails/thumbnails.vtt",
  /** sprite-000.jpg, sprite-001.jpg, ... */
  spriteSheet: (index: number) => `thumbnails/sprite-${String(index).padStart(3, "0")}.jpg`,
  subtitles: (language: string) => `subtitles/${language}.vtt`,
  // Added by the media pipeline: HLS needs a media playlist around the WebVTT file to list it as a track.
  subtitlesPlaylist: (language: string) => `subtitles/${language}.m3u8`,
  // Added by the media pipeline: intermediate files (audio for speech-to-text, the raw transcript),
  // written under processed/<videoId>/work/ and removed when the video completes.
  workPrefix: "work/",
  transcriptionAudio: "work/transcription-audio.flac",
  transcript: (language: string) => `work/transcript-${language}.json`,
} as const;

export const processedKey = (videoId: string, file: string): string => `${processedPrefix(videoId)}${file}`;

/** The name mapping key: the file name is URI-encoded so any name is one safe key segment. */
export const nameMappingKey = (fileName: string): string =>
  `${PREFIXES.names}${encodeURIComponent(fileName)}.json`;

export interface S3Location {
  bucket: string;
  key: string;
}

export const s3Uri = (bucket: string, key: string): string => `s3://${bucket}/${key}`;

/** Parses `s3://bucket/key`; the key may be a prefix ending in `/`. Throws a TypeError on anything else. */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.*)$/.exec(uri);
  if (!match?.[1] || match[2] === undefined) {
    throw new TypeError(`Not an S3 URI: ${JSON.stringify(uri)} (expected s3://<bucket>/<key>)`);
  }
  return { bucket: match[1], key: match[2] };
}
