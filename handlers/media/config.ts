import { z } from "zod";
import { AppError } from "../contracts/errors.js";
import { ENV } from "../contracts/handler-environment.js";
import {
  DEFAULT_LADDER,
  type LadderRung,
  LadderRungSchema,
  MEDIA_CONFIG_DEFAULTS,
  TRANSCRIPTION_ENGINES,
  type TranscriptionEngine,
  X264_PRESETS,
} from "../contracts/media-settings.js";
import { ffmpegPath, ffprobePath } from "../shared/binaries.js";

/**
 * The media function's configuration, read once from the environment into a frozen object. The knobs
 * keep the names of the transcoder this replaces (GENERATE_DASH, SPRITE_INTERVAL, ...).
 */

export interface MediaConfig {
  readonly bucketName: string | undefined;
  readonly stateMachineArn: string | undefined;
  readonly generateDash: boolean;
  readonly generateSubtitles: boolean;
  readonly thumbnailWidth: number;
  readonly spriteInterval: number;
  readonly spriteRows: number;
  readonly spriteColumns: number;
  readonly ladder: readonly LadderRung[];
  readonly transcribeLanguage: string;
  readonly transcriptionEngine: TranscriptionEngine;
  readonly mediaTimeoutSeconds: number;
  readonly encodePixelsPerSecond: number;
  readonly x264Preset: (typeof X264_PRESETS)[number];
  readonly s3ForcePathStyle: boolean;
  readonly ffmpegPath: string;
  readonly ffprobePath: string;
}

const bool = (name: string) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { error: `${name} must be true or false` })
    .transform((value) => value === "true" || value === "1" || value === "yes");
const int = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be a whole number` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` });

const ladderFromJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({
        code: "custom",
        message: "LADDER must be a JSON array of {name, height, videoBitrate, audioBitrate}",
      });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(LadderRungSchema)
      .min(1, { error: "LADDER needs at least one rung" })
      .max(8, { error: "LADDER has at most 8 rungs" })
      .refine((rungs) => new Set(rungs.map((rung) => rung.name)).size === rungs.length, {
        error: "LADDER rung names must be unique",
      }),
  );

/** Reads and validates the media configuration; throws AppError INVALID_CONFIG naming the variable. */
export function readMediaConfig(env: NodeJS.ProcessEnv = process.env): MediaConfig {
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === "" ? undefined : value;
  };
  const parse = <T>(name: string, schema: z.ZodType<T>, fallback: T): T => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const result = schema.safeParse(raw);
    if (!result.success) {
      throw new AppError(
        "INVALID_CONFIG",
        `${name}=${JSON.stringify(raw)}: ${result.error.issues.map((i) => i.message).join("; ")}`,
      );
    }
    return result.data;
  };
  const d = MEDIA_CONFIG_DEFAULTS;
  const ladder = parse<LadderRung[]>(ENV.ladder, ladderFromJson, [...DEFAULT_LADDER]);
  return Object.freeze({
    bucketName: get(ENV.bucketName),
    stateMachineArn: get(ENV.mediaStateMachineArn),
    generateDash: parse(ENV.generateDash, bool(ENV.generateDash), d.generateDash),
    generateSubtitles: parse(ENV.generateSubtitles, bool(ENV.generateSubtitles), d.generateSubtitles),
    thumbnailWidth: parse(ENV.thumbnailWidth, int(ENV.thumbnailWidth, 32, 1920), d.thumbnailWidth),
    spriteInterval: parse(ENV.spriteInterval, int(ENV.spriteInterval, 1, 3600), d.spriteInterval),
    spriteRows: parse(ENV.spriteRows, int(ENV.spriteRows, 1, 50), d.spriteRows),
    spriteColumns: parse(ENV.spriteColumns, int(ENV.spriteColumns, 1, 50), d.spriteColumns),
    ladder: Object.freeze([...ladder].sort((a, b) => b.height - a.height)),
    transcribeLanguage: parse(
      ENV.transcribeLanguage,
      z.string().regex(/^[a-z]{2,3}-[A-Z]{2}$/, { error: "must be a language code like en-US" }),
      d.transcribeLanguage,
    ),
    transcriptionEngine: parse<TranscriptionEngine>(
      ENV.transcriptionEngine,
      z.enum(TRANSCRIPTION_ENGINES, { error: `must be one of ${TRANSCRIPTION_ENGINES.join(", ")}` }),
      d.transcriptionEngine,
    ),
    mediaTimeoutSeconds: parse(
      ENV.mediaTimeoutSeconds,
      int(ENV.mediaTimeoutSeconds, 30, 900),
      d.mediaTimeoutSeconds,
    ),
    encodePixelsPerSecond: parse(
      ENV.mediaEncodePixelsPerSecond,
      int(ENV.mediaEncodePixelsPerSecond, 1_000_000, 10_000_000_000),
      d.encodePixelsPerSecond,
    ),
    x264Preset: parse(
      ENV.mediaX264Preset,
      z.enum(X264_PRESETS, { error: `must be one of ${X264_PRESETS.join(", ")}` }),
      d.x264Preset,
    ),
    s3ForcePathStyle: get(ENV.s3ForcePathStyle) === "true",
    ffmpegPath: ffmpegPath(env),
    ffprobePath: ffprobePath(env),
  });
}
