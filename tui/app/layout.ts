import type { ChunkStatus, ChunkView } from "../history/job-model.js";

/**
 * Pure layout: how the chunk grid and the screens fit the terminal. Recomputed on every resize;
 * every size has a minimum so 80x24 (and smaller) stays readable.
 */

export const MIN_COLUMNS = 40;
export const MIN_ROWS = 12;

export interface ScreenSize {
  readonly columns: number;
  readonly rows: number;
}

export const clampSize = (size: Partial<ScreenSize>): ScreenSize => ({
  columns: Math.max(MIN_COLUMNS, size.columns ?? 80),
  rows: Math.max(MIN_ROWS, size.rows ?? 24),
});

export interface GridLayout {
  /** Chunks shown by one cell (1 when every chunk has its own). */
  readonly chunksPerCell: number;
  readonly cellsPerRow: number;
  readonly rows: number;
  readonly cells: number;
}

/**
 * Fits `chunkCount` chunks into `width` x `maxRows` one-character cells, several chunks per cell
 * only when they do not fit. 1,000 chunks in 78x10 -> 2 per cell, 500 cells on 7 rows.
 */
export function gridLayout(chunkCount: number, width: number, maxRows: number): GridLayout {
  const cellsPerRowMax = Math.max(10, width);
  const rowsMax = Math.max(1, maxRows);
  if (chunkCount <= 0) return { chunksPerCell: 1, cellsPerRow: cellsPerRowMax, rows: 0, cells: 0 };
  const chunksPerCell = Math.max(1, Math.ceil(chunkCount / (cellsPerRowMax * rowsMax)));
  const cells = Math.ceil(chunkCount / chunksPerCell);
  const cellsPerRow = Math.min(cellsPerRowMax, cells);
  return { chunksPerCell, cellsPerRow, rows: Math.ceil(cells / cellsPerRow), cells };
}

/** What one cell shows when it holds several chunks: the most urgent state wins, then "partly done". */
export type CellState = ChunkStatus | "partial";

export const GLYPHS: Readonly<Record<CellState, string>> = {
  queued: ".",
  running: ">",
  retrying: "r",
  done: "#",
  failed: "X",
  partial: "+",
};

export function cellState(chunks: readonly ChunkView[]): { state: CellState; attempt: number } {
  let attempt = 0;
  const has: Record<ChunkStatus, boolean> = {
    queued: false,
    running: false,
    retrying: false,
    done: false,
    failed: false,
  };
  for (const chunk of chunks) {
    has[chunk.status] = true;
    if (chunk.status === "retrying") attempt = Math.max(attempt, chunk.attempt);
  }
  if (has.failed) return { state: "failed", attempt };
  if (has.retrying) return { state: "retrying", attempt };
  if (has.running) return { state: "running", attempt };
  if (has.done && has.queued) return { state: "partial", attempt };
  if (has.done) return { state: "done", attempt };
  return { state: "queued", attempt };
}

/** A run of same-state cells in a row, drawn as one <Text>. */
export interface GridSegment {
  readonly state: CellState;
  readonly text: string;
}

/** The grid as rows of segments. A retrying single chunk shows its attempt number (2-9) instead of `r`. */
export function gridRows(chunks: readonly ChunkView[], layout: GridLayout): GridSegment[][] {
  const rows: GridSegment[][] = [];
  for (let row = 0; row < layout.rows; row++) {
    const segments: GridSegment[] = [];
    for (let col = 0; col < layout.cellsPerRow; col++) {
      const cell = row * layout.cellsPerRow + col;
      if (cell >= layout.cells) break;
      const start = cell * layout.chunksPerCell;
      const { state, attempt } = cellState(chunks.slice(start, start + layout.chunksPerCell));
      const glyph = state === "retrying" && attempt >= 2 && attempt <= 9 ? String(attempt) : GLYPHS[state];
      const last = segments.at(-1);
      if (last && last.state === state) segments[segments.length - 1] = { state, text: last.text + glyph };
      else segments.push({ state, text: glyph });
    }
    rows.push(segments);
  }
  return rows;
}

/** `[#####.....]`-style bar of exactly `width` characters (brackets included). */
export function progressBar(fraction: number, width: number): string {
  const inner = Math.max(1, width - 2);
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * inner);
  return `[${"#".repeat(filled)}${"-".repeat(inner - filled)}]`;
}

export function truncate(text: string, width: number): string {
  if (width <= 0) return "";
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}~`;
}

/** A scrolled window of `height` items that keeps `selected` visible. */
export function scrollWindow(
  total: number,
  selected: number,
  height: number,
): { start: number; end: number } {
  const h = Math.max(1, height);
  if (total <= h) return { start: 0, end: total };
  const start = Math.min(Math.max(0, selected - Math.floor(h / 2)), total - h);
  return { start, end: start + h };
}

/** Rows the job view gives the chunk grid at a terminal height (the rest: header, bar, details, help). */
export const jobViewGridRows = (rows: number): number => Math.max(3, rows - 14);
