/**
 * Environment variable names the module (CDKTF) and the local cloud set, and the handlers read once at
 * start-up into a frozen config. Media knobs keep the names of the transcoder this replaces.
 */
export const ENV = {
  bucketName: "BUCKET_NAME",
  renderStateMachineArn: "RENDER_STATE_MACHINE_ARN",
  mediaStateMachineArn: "MEDIA_STATE_MACHINE_ARN",
  /** SSM SecureString parameter holding the API bearer token (AWS). */
  apiTokenParameter: "API_TOKEN_PARAMETER",
  /** The API bearer token itself (local cloud only; AWS reads the parameter). */
  apiToken: "API_TOKEN",
  /** "iam" when the Function URL uses AWS_IAM auth (the handler then skips the bearer check). */
  apiAuthMode: "API_AUTH_MODE",
  corsOrigins: "CORS_ORIGINS",
  presignExpiresSeconds: "PRESIGN_EXPIRES_SECONDS",
  generateDash: "GENERATE_DASH",
  generateSubtitles: "GENERATE_SUBTITLES",
  thumbnailWidth: "THUMBNAIL_WIDTH",
  spriteInterval: "SPRITE_INTERVAL",
  spriteRows: "SPRITE_ROWS",
  spriteColumns: "SPRITE_COLUMNS",
  /** JSON array of ladder rungs `{name, height, videoBitrate, audioBitrate}`. */
  ladder: "LADDER",
  transcribeLanguage: "TRANSCRIBE_LANGUAGE",
  /** "aws" (Amazon Transcribe), "pocketsphinx" (local cloud) or "none". */
  transcriptionEngine: "TRANSCRIPTION_ENGINE",
  /** Seconds the media function may run; the pipeline refuses sources it could not finish in time. */
  mediaTimeoutSeconds: "MEDIA_TIMEOUT_SECONDS",
  // Added by the media pipeline: encoder throughput (pixels per second) used to refuse sources that
  // could not finish within MEDIA_TIMEOUT_SECONDS; and the x264 preset (speed vs size).
  mediaEncodePixelsPerSecond: "MEDIA_ENCODE_PIXELS_PER_SECOND",
  mediaX264Preset: "MEDIA_X264_PRESET",
  /** Paths of the ffmpeg/ffprobe binaries (defaults: the static builds shipped in the Lambda zip). */
  ffmpegPath: "FFMPEG_PATH",
  ffprobePath: "FFPROBE_PATH",
  /** "true" for S3-compatible servers that need path-style addressing (the local cloud). */
  s3ForcePathStyle: "S3_FORCE_PATH_STYLE",
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
