import { Box, Text } from "ink";
import { formatUsd } from "../../handlers/shared/cost-model.js";
import type { HistoryEntry, HistoryFilter, JobModel } from "../history/job-model.js";
import {
  causeMessage,
  elapsedMs,
  entryDetails,
  etaSeconds,
  jobCost,
  progressFraction,
  slowestChunks,
} from "../history/job-model.js";
import { formatBytes, formatDuration, type TransferProgress } from "../services/transfer.js";
import type { JobRow, VideoRow } from "./api.js";
import {
  GLYPHS,
  gridLayout,
  gridRows,
  jobViewGridRows,
  progressBar,
  type ScreenSize,
  scrollWindow,
  truncate,
} from "./layout.js";
import { Tone } from "./theme.js";

/** Pure presentational components: typed view-models in, text out. No I/O, no timers. */

export function KeyHelp({ keys, width }: { keys: string; width: number }) {
  return (
    <Text dimColor wrap="truncate">
      {truncate(keys, width)}
    </Text>
  );
}

export function ChunkGrid({ model, width, maxRows }: { model: JobModel; width: number; maxRows: number }) {
  const layout = gridLayout(model.chunks.length, width, maxRows);
  const rows = gridRows(model.chunks, layout);
  return (
    <Box flexDirection="column">
      {rows.map((segments, row) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: grid rows are positional
        <Text key={row} wrap="truncate">
          {segments.map((segment, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: segments are positional
            <Tone key={i} state={segment.state}>
              {segment.text}
            </Tone>
          ))}
        </Text>
      ))}
    </Box>
  );
}

export const legend = (chunksPerCell: number): string =>
  `${GLYPHS.done} done ${GLYPHS.running} running ${GLYPHS.retrying}/2-9 retrying ${GLYPHS.failed} failed ${GLYPHS.queued} queued${chunksPerCell > 1 ? ` ${GLYPHS.partial} part done; ${chunksPerCell} chunks/cell` : ""}`;

export interface JobViewProps {
  model: JobModel;
  now: number;
  size: ScreenSize;
  confirmingCancel?: boolean;
  message?: string;
  playback?: string;
  keys: string;
}

export function JobView({ model, now, size, confirmingCancel, message, playback, keys }: JobViewProps) {
  const width = size.columns - 1;
  const fraction = progressFraction(model);
  // Room for " 100% frames 30000/30000 eta 0:00:00 elapsed 0:00:00" after the bar.
  const barWidth = Math.max(10, Math.min(40, width - 56));
  const eta = etaSeconds(model, now);
  const cost = jobCost(model);
  const id = model.jobId ?? model.videoId ?? model.executionArn.split(":").at(-1) ?? "";
  const layout = gridLayout(model.chunks.length, width, jobViewGridRows(size.rows));
  const slow = slowestChunks(model, now, 3);
  const statusState =
    model.status === "SUCCEEDED" ? "done" : model.status === "RUNNING" ? "running" : "failed";
  const frames = model.totalFrames !== undefined ? ` frames ${model.framesDone}/${model.totalFrames}` : "";
  return (
    <Box flexDirection="column" width={size.columns}>
      <Text wrap="truncate">
        <Tone state="title" bold>
          {truncate(`job ${id}`, Math.max(10, width - 30))}
        </Tone>{" "}
        {model.kind} <Tone state={statusState}>{model.status}</Tone>
      </Text>
      <Text wrap="truncate">
        <Tone state="done">{progressBar(fraction, barWidth)}</Tone> {(fraction * 100).toFixed(0)}%{frames} eta{" "}
        {formatDuration(eta)} elapsed {formatDuration(elapsedMs(model, now) / 1000)}
      </Text>
      {model.chunks.length > 0 ? (
        <>
          <Text wrap="truncate">
            {truncate(
              `chunks ${model.chunks.length}: ${model.counts.done} done ${model.counts.running} running ${model.counts.retrying} retrying ${model.counts.failed} failed ${model.counts.queued} queued`,
              width,
            )}
          </Text>
          <ChunkGrid model={model} width={width} maxRows={jobViewGridRows(size.rows)} />
          <Text dimColor wrap="truncate">
            {truncate(legend(layout.chunksPerCell), width)}
          </Text>
        </>
      ) : (
        <Text wrap="truncate">
          {truncate(
            `steps: ${model.steps.map((s) => `${s.name}${s.status === "running" ? "…" : s.status === "failed" ? "!" : ""}`).join(" > ") || "starting"}`,
            width,
          )}
        </Text>
      )}
      {slow.length > 0 ? (
        <Text wrap="truncate">
          {truncate(
            `slowest: ${slow.map((s) => `#${s.index} ${(s.durationMs / 1000).toFixed(1)}s${s.attempt > 1 ? ` (attempt ${s.attempt})` : ""}`).join("  ")}`,
            width,
          )}
        </Text>
      ) : null}
      {model.errors.slice(-2).map((error) => (
        <Tone key={error.eventId} state="error">
          {truncate(
            `${error.name}${error.chunk !== undefined ? ` chunk ${error.chunk}` : ""}${error.state ? ` in ${error.state}` : ""}: ${causeMessage(error.cause)}`,
            width,
          )}
        </Tone>
      ))}
      <Text wrap="truncate">
        {truncate(
          `cost ${formatUsd(cost.totalUsd)} accrued (${cost.lines.map((l) => `${l.item} ${formatUsd(l.usd)}`).join(", ")})`,
          width,
        )}
      </Text>
      {model.status === "SUCCEEDED" && (model.outputUri || playback) ? (
        // The output location wraps rather than being cut: it is what the user came for.
        <Tone state="done">
          {`output${model.outputBytes !== undefined ? ` (${formatBytes(model.outputBytes)})` : ""} ${playback ?? model.outputUri}`}
        </Tone>
      ) : null}
      {confirmingCancel ? (
        <Tone state="error">Stop this job? Work done so far is still billed. y: stop n: keep running</Tone>
      ) : message ? (
        <Text wrap="truncate">{truncate(message, width)}</Text>
      ) : null}
      <KeyHelp keys={keys} width={width} />
    </Box>
  );
}

export function JobsList({
  jobs,
  selected,
  size,
  now,
}: {
  jobs: readonly JobRow[];
  selected: number;
  size: ScreenSize;
  now: number;
}) {
  const width = size.columns - 1;
  const window = scrollWindow(jobs.length, selected, size.rows - 5);
  if (jobs.length === 0) return <Text>No jobs yet. Press n to start one.</Text>;
  return (
    <Box flexDirection="column">
      <Text dimColor wrap="truncate">
        {truncate(`  ${"job".padEnd(34)} kind   status    progress elapsed  cost`, width)}
      </Text>
      {jobs.slice(window.start, window.end).map((job, i) => {
        const index = window.start + i;
        const elapsed = ((job.stoppedAt ?? now) - job.startedAt) / 1000;
        const state = job.status === "SUCCEEDED" ? "done" : job.status === "RUNNING" ? "running" : "failed";
        return (
          <Text key={job.executionArn} wrap="truncate" inverse={index === selected}>
            {index === selected ? "> " : "  "}
            {truncate(job.jobId, 34).padEnd(34)} {job.kind.padEnd(6)}{" "}
            <Tone state={state}>{job.status.padEnd(9)}</Tone>{" "}
            {`${(job.progress * 100).toFixed(0)}%`.padStart(8)} {formatDuration(elapsed).padStart(7)}{" "}
            {formatUsd(job.costUsd)}
          </Text>
        );
      })}
    </Box>
  );
}

export function VideosList({
  videos,
  selected,
  size,
}: {
  videos: readonly VideoRow[];
  selected: number;
  size: ScreenSize;
}) {
  const width = size.columns - 1;
  if (videos.length === 0) return <Text>No videos yet. Press n to upload one.</Text>;
  const window = scrollWindow(videos.length, selected, Math.max(1, size.rows - 8));
  const current = videos[selected];
  return (
    <Box flexDirection="column">
      {videos.slice(window.start, window.end).map((row, i) => {
        const index = window.start + i;
        const v = row.video;
        const state =
          v.status === "processing_complete"
            ? "done"
            : v.status === "processing_failed"
              ? "failed"
              : "running";
        return (
          <Text key={v.videoId} wrap="truncate" inverse={index === selected}>
            {index === selected ? "> " : "  "}
            {v.videoId.slice(0, 12)} <Tone state={state}>{v.status.padEnd(19)}</Tone>{" "}
            {truncate(v.fileName, Math.max(8, width - 48))}
            {v.status === "processing" && v.percent !== undefined ? ` ${v.percent.toFixed(0)}%` : ""}
          </Text>
        );
      })}
      {current ? (
        <Box flexDirection="column" marginTop={1}>
          {/* URLs wrap instead of truncating: a cut URL is useless. */}
          <Text wrap="wrap">{`HLS  ${current.playback.hls ?? "-"}`}</Text>
          <Text wrap="wrap">{`DASH ${current.playback.dash ?? "-"}`}</Text>
          {current.video.error ? (
            <Tone state="error">
              {truncate(
                `${current.video.error.name} in ${current.video.error.step}: ${current.video.error.message}`,
                width,
              )}
            </Tone>
          ) : null}
        </Box>
      ) : null}
    </Box>
  );
}

export function HistoryList({
  entries,
  selected,
  filter,
  showDetails,
  size,
  total,
}: {
  entries: readonly HistoryEntry[];
  selected: number;
  filter: HistoryFilter;
  showDetails: boolean;
  size: ScreenSize;
  total: number;
}) {
  const width = size.columns - 1;
  const detailRows = showDetails ? Math.min(8, Math.floor(size.rows / 3)) : 0;
  const window = scrollWindow(entries.length, selected, size.rows - 5 - detailRows);
  const current = entries[selected];
  const filters = [
    filter.errorsOnly ? "errors only" : undefined,
    filter.chunk !== undefined ? `chunk ${filter.chunk}` : undefined,
    filter.state !== undefined ? `state ${filter.state}` : undefined,
  ].filter(Boolean);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        {truncate(
          `history: ${entries.length} of ${total} events${filters.length > 0 ? ` (${filters.join(", ")})` : ""}`,
          width,
        )}
      </Text>
      {entries.slice(window.start, window.end).map((entry, i) => {
        const index = window.start + i;
        const where = [entry.state, entry.chunk !== undefined ? `#${entry.chunk}` : undefined]
          .filter(Boolean)
          .join(" ");
        const line = `${String(entry.id).padStart(5)} ${new Date(entry.timestamp).toISOString().slice(11, 19)} ${entry.type.padEnd(21)} ${where.padEnd(16)} ${entry.summary}`;
        return (
          <Text key={entry.id} wrap="truncate" inverse={index === selected}>
            {entry.isError ? <Tone state="error">{truncate(line, width)}</Tone> : truncate(line, width)}
          </Text>
        );
      })}
      {showDetails && current ? (
        <Box flexDirection="column" borderStyle="single" borderDimColor>
          {entryDetails(current)
            .split("\n")
            .slice(0, detailRows)
            .map((line, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: detail lines are positional
              <Text key={i} wrap="truncate">
                {truncate(line, width - 2)}
              </Text>
            ))}
        </Box>
      ) : null}
    </Box>
  );
}

export function UploadBar({
  name,
  progress,
  width,
}: {
  name: string;
  progress: TransferProgress;
  width: number;
}) {
  const barWidth = Math.max(12, Math.min(40, width - 45));
  return (
    <Text wrap="truncate">
      {truncate(name, 20)} <Tone state="running">{progressBar(progress.percent / 100, barWidth)}</Tone>{" "}
      {progress.percent.toFixed(0)}% {formatBytes(progress.bytesPerSecond)}/s eta{" "}
      {formatDuration(progress.etaSeconds)}
    </Text>
  );
}
