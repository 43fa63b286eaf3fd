import { describe, expect, it } from "vitest";
import {
  cellState,
  clampSize,
  gridLayout,
  gridRows,
  progressBar,
  scrollWindow,
  truncate,
} from "../../../tui/app/layout.js";
import type { ChunkView } from "../../../tui/history/job-model.js";

const chunk = (index: number, status: ChunkView["status"], attempt = 1): ChunkView => ({
  index,
  status,
  attempt,
});

describe("gridLayout", () => {
  it("gives each chunk its own cell when they fit", () => {
    expect(gridLayout(50, 78, 10)).toEqual({ chunksPerCell: 1, cellsPerRow: 50, rows: 1, cells: 50 });
    expect(gridLayout(200, 78, 10)).toMatchObject({ chunksPerCell: 1, rows: 3 });
  });

  it("fits 1,000 chunks in an 80x24 job view with several chunks per cell", () => {
    const layout = gridLayout(1000, 79, 10);
    expect(layout.chunksPerCell).toBe(2);
    expect(layout.rows).toBeLessThanOrEqual(10);
    expect(layout.cells * layout.chunksPerCell).toBeGreaterThanOrEqual(1000);
  });

  it("keeps a minimum width and handles no chunks", () => {
    expect(gridLayout(0, 5, 3).rows).toBe(0);
    expect(gridLayout(100, 2, 1).cellsPerRow).toBe(10);
  });
});

describe("cells", () => {
  it("shows the most urgent state of a cell's chunks", () => {
    expect(cellState([chunk(0, "done"), chunk(1, "failed")]).state).toBe("failed");
    expect(cellState([chunk(0, "done"), chunk(1, "retrying", 3)])).toEqual({ state: "retrying", attempt: 3 });
    expect(cellState([chunk(0, "done"), chunk(1, "queued")]).state).toBe("partial");
    expect(cellState([chunk(0, "done"), chunk(1, "done")]).state).toBe("done");
  });

  it("draws runs of equal cells as one segment and retry attempts as digits", () => {
    const chunks = [
      chunk(0, "done"),
      chunk(1, "done"),
      chunk(2, "retrying", 2),
      chunk(3, "queued"),
      chunk(4, "failed"),
    ];
    const rows = gridRows(chunks, gridLayout(chunks.length, 80, 5));
    expect(rows).toEqual([
      [
        { state: "done", text: "##" },
        { state: "retrying", text: "2" },
        { state: "queued", text: "." },
        { state: "failed", text: "X" },
      ],
    ]);
  });
});

describe("small helpers", () => {
  it("draws bars of the exact width", () => {
    expect(progressBar(0.5, 12)).toBe("[#####-----]");
    expect(progressBar(2, 6)).toBe("[####]");
    expect(progressBar(0, 6)).toBe("[----]");
  });

  it("truncates with a marker and scrolls to keep the selection visible", () => {
    expect(truncate("abcdef", 4)).toBe("abc~");
    expect(truncate("abc", 4)).toBe("abc");
    expect(scrollWindow(100, 0, 10)).toEqual({ start: 0, end: 10 });
    expect(scrollWindow(100, 50, 10)).toEqual({ start: 45, end: 55 });
    expect(scrollWindow(100, 99, 10)).toEqual({ start: 90, end: 100 });
  });

  it("clamps tiny terminals to the minimum", () => {
    expect(clampSize({ columns: 10, rows: 5 })).toEqual({ columns: 40, rows: 12 });
  });
});
