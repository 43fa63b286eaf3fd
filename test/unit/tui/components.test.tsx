import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { App } from "../../../tui/app/App.js";
import type { TuiApi } from "../../../tui/app/api.js";
import { JobView } from "../../../tui/app/components.js";
import { createJobFeed } from "../../../tui/app/hooks.js";
import { applyEvents, emptyJobModel } from "../../../tui/history/job-model.js";
import {
  executionArnFor,
  pagedHistory,
  syntheticRenderHistory,
} from "../../../tui/history/synthetic-history.js";

const SIZE = { columns: 80, rows: 24 };
const ARN = executionArnFor("r20261121t120000-0badcafe");

const lines = (frame: string | undefined) => (frame ?? "").split("\n");
const settle = (ms = 60) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits (up to 5 s) until the frame contains `text`; returns the frame. */
async function until(frame: () => string | undefined, text: string | RegExp): Promise<string> {
  for (let i = 0; i < 250; i++) {
    const current = frame() ?? "";
    if (typeof text === "string" ? current.includes(text) : text.test(current)) {
      await settle(); // let passive effects (input handlers) catch up with the frame
      return current;
    }
    await settle(20);
  }
  return frame() ?? "";
}

describe("JobView at 80x24", () => {
  it("shows 1,000 chunks readable in the grid with bar, counts, slowest, errors, cost and key help", () => {
    const events = syntheticRenderHistory({ chunks: 1000, maxConcurrency: 40, retryOnce: [5] });
    const mid = events.findIndex(
      (e) => e.type === "MapIterationSucceeded" && e.mapIterationSucceededEventDetails?.index === 500,
    );
    const model = applyEvents(emptyJobModel(ARN), events.slice(0, mid + 1));
    const now = events[mid]?.timestamp?.getTime() ?? 0;
    const { lastFrame } = render(
      <JobView model={model} now={now} size={SIZE} keys="h history  c cancel  esc back  q quit" />,
    );
    const frame = lines(lastFrame());
    expect(frame.length).toBeLessThanOrEqual(24);
    expect(frame.every((line) => line.length <= 80)).toBe(true);
    expect(frame[0]).toContain("job r20261121t120000-0badcafe");
    expect(frame[1]).toMatch(/\[#+-+\] \d+% frames \d+\/30000 eta/);
    expect(frame.join("\n")).toContain("chunks 1000:");
    expect(frame.join("\n")).toContain("2 chunks/cell");
    const gridLines = frame.filter((line) => /^[#>.+rX2-9]+$/.test(line));
    expect(gridLines.length).toBeGreaterThanOrEqual(6);
    expect(gridLines.join("").length).toBe(500);
    expect(frame.join("\n")).toMatch(/slowest: #\d+/);
    expect(frame.join("\n")).toContain(
      "BROWSER_CRASHED chunk 5 in RenderChunk: Chromium exited with signal SIGKILL",
    );
    expect(frame.join("\n")).toMatch(/cost \$[0-9.]+ accrued/);
    expect(frame.at(-1)).toBe("h history  c cancel  esc back  q quit");
  });

  it("shows the output location when the job succeeded", () => {
    const model = applyEvents(emptyJobModel(ARN), syntheticRenderHistory({ chunks: 12 }));
    const { lastFrame } = render(<JobView model={model} now={Date.now()} size={SIZE} keys="esc back" />);
    // The output line wraps instead of being cut.
    expect(lastFrame()?.replace(/\n/g, " ")).toContain(
      "output (1.2 MiB) s3://hyperframes-local/outputs/r20261121t120000-0badcafe/video.mp4",
    );
    expect(lastFrame()).toContain("[##");
    expect(lastFrame()).toContain("100%");
  });

  it("fits a narrow, short terminal", () => {
    const model = applyEvents(emptyJobModel(ARN), syntheticRenderHistory({ chunks: 1000, truncateAt: 3000 }));
    const { lastFrame } = render(
      <JobView model={model} now={Date.now()} size={{ columns: 50, rows: 16 }} keys="q quit" />,
    );
    const frame = lines(lastFrame());
    expect(frame.length).toBeLessThanOrEqual(16);
    expect(frame.every((line) => line.length <= 50)).toBe(true);
    expect(frame.at(-1)).toBe("q quit");
  });
});

function fakeApi(
  history = syntheticRenderHistory({ chunks: 40, maxConcurrency: 8, retryOnce: [3] }),
): TuiApi & { cancelled: string[] } {
  const cancelled: string[] = [];
  let visible = 30;
  const serve = async (request: Parameters<TuiApi["fetchHistoryPage"]>[0]) => {
    visible = Math.min(history.length, visible + 60);
    return pagedHistory(history.slice(0, visible))(request);
  };
  return {
    cancelled,
    targetLabel: "fake",
    listJobs: async () => [
      {
        jobId: "r20261121t120000-0badcafe",
        kind: "render",
        executionArn: ARN,
        status: "RUNNING",
        startedAt: Date.UTC(2026, 10, 21, 12),
        progress: 0.5,
        costUsd: 0.0123,
      },
      {
        jobId: "0123456789abcdef0123456789abcdef",
        kind: "media",
        executionArn: "arn:media",
        status: "SUCCEEDED",
        startedAt: Date.UTC(2026, 10, 21, 11),
        stoppedAt: Date.UTC(2026, 10, 21, 11, 1),
        progress: 1,
        costUsd: 0.002,
      },
    ],
    fetchHistoryPage: serve,
    cancel: async (arn) => {
      cancelled.push(arn);
    },
    listVideos: async () => [],
    deleteVideo: async () => {},
    uploadVideo: async () => ({ executionArn: "arn:media", kind: "media" }),
    inspectPath: async () => ({ kind: "project", durationSeconds: 2, width: 640, height: 360 }),
  };
}

describe("App", () => {
  it("lists jobs, opens one, shows its grid filling, then its history with filters", async () => {
    const api = fakeApi();
    const { lastFrame, stdin, unmount } = render(
      <App api={api} size={SIZE} now={Date.UTC(2026, 10, 21, 12, 5)} pollMs={5} />,
    );
    expect(await until(lastFrame, "r20261121t120000-0badcafe")).toContain("r20261121t120000-0badcafe");
    expect(lastFrame()).toContain("$0.0123");
    expect(lines(lastFrame()).at(-1)).toContain("enter open");
    stdin.write("\r");
    const partial = await until(lastFrame, "chunks 40:");
    expect(partial).toMatch(/^[#>.r2]{40}$/m);
    const job = await until(lastFrame, "SUCCEEDED");
    expect(job).toContain("SUCCEEDED");
    expect(job).toMatch(/^#{40}$/m);
    stdin.write("h");
    expect(await until(lastFrame, /history: \d+ of \d+ events/)).toMatch(/history: \d+ of \d+ events/);
    stdin.write("e");
    await settle();
    expect(lastFrame()).toContain("(errors only)");
    expect(lastFrame()).toContain("TaskFailed");
    expect(lastFrame()).not.toContain("TaskSucceeded");
    stdin.write("c");
    await settle();
    expect(lastFrame()).toContain("chunk 3");
    stdin.write("\r");
    await settle();
    expect(lastFrame()).toContain('"error": "BROWSER_CRASHED"');
    stdin.write("\u001b");
    await settle();
    expect(lastFrame()).toContain("chunks 40:");
    unmount();
  });

  it("shows the models a command feeds it, the final one included, without polling on its own", async () => {
    const history = syntheticRenderHistory({ chunks: 6, maxConcurrency: 2 });
    let polls = 0;
    const api = fakeApi(history);
    const countingApi: TuiApi = {
      ...api,
      fetchHistoryPage: async (request) => {
        polls += 1;
        return api.fetchHistoryPage(request);
      },
    };
    const feed = createJobFeed(ARN);
    const { lastFrame, unmount } = render(
      <App
        api={countingApi}
        size={SIZE}
        initial={{ name: "job", executionArn: ARN }}
        feed={feed}
        pollMs={5}
      />,
    );
    feed.push(applyEvents(emptyJobModel(ARN), history.slice(0, 20)));
    expect(await until(lastFrame, "chunks 6:")).toContain("render RUNNING");
    feed.push(applyEvents(emptyJobModel(ARN), history));
    const done = await until(lastFrame, "SUCCEEDED");
    expect(done).toContain("render SUCCEEDED");
    expect(done).toMatch(/^#{6}$/m);
    expect(polls).toBe(0);
    unmount();
  });

  it("asks before cancelling and calls StopExecution only after yes", async () => {
    const history = syntheticRenderHistory({ chunks: 40, maxConcurrency: 8, truncateAt: 60 });
    const api = fakeApi(history);
    const { lastFrame, stdin, unmount } = render(
      <App api={api} size={SIZE} initial={{ name: "job", executionArn: ARN }} pollMs={5} />,
    );
    await settle();
    stdin.write("c");
    await settle();
    expect(lastFrame()).toContain("Stop this job?");
    stdin.write("n");
    await settle();
    expect(api.cancelled).toEqual([]);
    stdin.write("c");
    await settle();
    stdin.write("y");
    await settle();
    expect(api.cancelled).toEqual([ARN]);
    expect(lastFrame()).toContain("stop requested");
    unmount();
  });

  it("validates the new job form as you type and shows the estimate with assumptions", async () => {
    const api = fakeApi();
    const { lastFrame, stdin, unmount } = render(
      <App api={api} size={SIZE} initial={{ name: "new" }} pollMs={5} />,
    );
    await settle();
    stdin.write("fixtures/x");
    expect(await until(lastFrame, "(project)")).toContain("(project)");
    expect(lastFrame()).toMatch(/estimate \$[0-9.]+/);
    expect(lastFrame()).toContain("assumes 60 frames at 640x360");
    stdin.write("\t");
    await settle();
    stdin.write("25");
    await settle();
    expect(lastFrame()).toContain("! fps must be one of 24, 30, 60");
    stdin.write("\r");
    await settle();
    expect(lastFrame()).toContain("fix the fields marked ! first");
    unmount();
  });

  it("keeps control characters from a pasted chunk out of the fields", async () => {
    const { lastFrame, stdin, unmount } = render(
      <App api={fakeApi()} size={SIZE} initial={{ name: "new" }} pollMs={5} />,
    );
    await settle();
    stdin.write("a\tb\u0007c");
    expect(await until(lastFrame, "abc")).toMatch(/project folder or video file\s+abc/);
    unmount();
  });
});
