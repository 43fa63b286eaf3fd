import { z } from "zod";

/**
 * Pure WebVTT writers: the thumbnails track (sprite cues with `#xywh=`) and subtitles from an Amazon
 * Transcribe result (the same JSON shape the local stand-in writes).
 */

export function vttTimestamp(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const rest = ms % 1000;
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(rest, 3)}`;
}
const pad = (value: number, width: number): string => String(value).padStart(width, "0");

export interface ThumbnailTrackInput {
  count: number;
  interval: number;
  durationSeconds: number;
  tileWidth: number;
  tileHeight: number;
  columns: number;
  rows: number;
  /** URL of sheet `index`, relative to the VTT file. */
  sheetUrl: (index: number) => string;
}

export interface ThumbnailCue {
  start: number;
  end: number;
  sheet: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Cue i covers [i*interval, min((i+1)*interval, duration)) and points at tile i (row-major, sheet by sheet). */
export function thumbnailCues(input: Omit<ThumbnailTrackInput, "sheetUrl">): ThumbnailCue[] {
  const perSheet = input.columns * input.rows;
  const cues: ThumbnailCue[] = [];
  for (let i = 0; i < input.count; i++) {
    const start = i * input.interval;
    if (start >= input.durationSeconds && i > 0) break;
    const end = Math.min((i + 1) * input.interval, input.durationSeconds);
    const within = i % perSheet;
    cues.push({
      start,
      end: end > start ? end : start + 0.001,
      sheet: Math.floor(i / perSheet),
      x: (within % input.columns) * input.tileWidth,
      y: Math.floor(within / input.columns) * input.tileHeight,
      w: input.tileWidth,
      h: input.tileHeight,
    });
  }
  return cues;
}

export function thumbnailsVtt(input: ThumbnailTrackInput): string {
  const blocks = thumbnailCues(input).map(
    (cue) =>
      `${vttTimestamp(cue.start)} --> ${vttTimestamp(cue.end)}\n${input.sheetUrl(cue.sheet)}#xywh=${cue.x},${cue.y},${cue.w},${cue.h}`,
  );
  return `WEBVTT\n\n${blocks.join("\n\n")}\n`;
}

// ── Subtitles from a Transcribe result ──────────────────────────────────────────────────────────────

const TranscribeItemSchema = z.looseObject({
  type: z.enum(["pronunciation", "punctuation"]),
  start_time: z.string().optional(),
  end_time: z.string().optional(),
  alternatives: z.array(z.looseObject({ content: z.string(), confidence: z.string().optional() })).min(1),
});
export const TranscribeResultSchema = z.looseObject({
  jobName: z.string().optional(),
  status: z.string().optional(),
  results: z.looseObject({
    transcripts: z.array(z.looseObject({ transcript: z.string() })).optional(),
    items: z.array(TranscribeItemSchema),
  }),
});
export type TranscribeResult = z.infer<typeof TranscribeResultSchema>;

export interface SubtitleOptions {
  /** Longest cue, seconds. */
  maxCueSeconds: number;
  /** Longest line, characters; a cue has at most two lines. */
  maxLineChars: number;
  /** A silence at least this long ends a cue, seconds. */
  pauseSeconds: number;
}

export const DEFAULT_SUBTITLE_OPTIONS: SubtitleOptions = {
  maxCueSeconds: 6,
  maxLineChars: 42,
  pauseSeconds: 1,
};

interface Word {
  text: string;
  start: number;
  end: number;
  /** Punctuation that ends a sentence follows the word. */
  sentenceEnd: boolean;
}

export interface SubtitleCue {
  start: number;
  end: number;
  lines: string[];
}

/** Groups words into cues: break at sentence ends, long pauses, the duration limit or two full lines. */
export function subtitleCues(
  result: TranscribeResult,
  options: SubtitleOptions = DEFAULT_SUBTITLE_OPTIONS,
): SubtitleCue[] {
  const words: Word[] = [];
  for (const item of result.results.items) {
    const content = item.alternatives[0]?.content ?? "";
    if (item.type === "punctuation") {
      const last = words[words.length - 1];
      if (last) {
        last.text += content;
        if (/[.!?]/.test(content)) last.sentenceEnd = true;
      }
      continue;
    }
    const start = Number(item.start_time);
    const end = Number(item.end_time);
    if (!Number.isFinite(start) || !Number.isFinite(end) || content === "") continue;
    words.push({ text: content, start, end: Math.max(end, start), sentenceEnd: false });
  }

  const cues: SubtitleCue[] = [];
  let current: Word[] = [];
  const flush = () => {
    const first = current[0];
    const last = current[current.length - 1];
    if (first && last)
      cues.push({
        start: first.start,
        end: last.end,
        lines: wrap(
          current.map((w) => w.text),
          options.maxLineChars,
        ),
      });
    current = [];
  };
  for (const word of words) {
    const first = current[0];
    const last = current[current.length - 1];
    if (first && last) {
      const tooLong = word.end - first.start > options.maxCueSeconds;
      const pause = word.start - last.end >= options.pauseSeconds;
      const tooWide =
        wrap(
          [...current, word].map((w) => w.text),
          options.maxLineChars,
        ).length > 2;
      if (last.sentenceEnd || tooLong || pause || tooWide) flush();
    }
    current.push(word);
  }
  flush();
  return cues;
}

export function subtitlesVtt(
  result: TranscribeResult,
  options: SubtitleOptions = DEFAULT_SUBTITLE_OPTIONS,
): string {
  const cues = subtitleCues(result, options);
  const blocks = cues.map(
    (cue, i) => `${i + 1}\n${vttTimestamp(cue.start)} --> ${vttTimestamp(cue.end)}\n${cue.lines.join("\n")}`,
  );
  return blocks.length === 0 ? "WEBVTT\n" : `WEBVTT\n\n${blocks.join("\n\n")}\n`;
}

function wrap(words: string[], maxLineChars: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line && line.length + 1 + word.length > maxLineChars) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
