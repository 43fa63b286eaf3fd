import { describe, expect, it } from "vitest";
import {
  type FetchHistoryPage,
  isThrottling,
  nextPollDelay,
  readNewEvents,
} from "../../../tui/history/history-reader.js";
import { pagedHistory, syntheticRenderHistory } from "../../../tui/history/synthetic-history.js";

const ARN = "arn:aws:states:us-east-1:000000000000:execution:hyperframes-render:r1";

function counting(events: ReturnType<typeof syntheticRenderHistory>) {
  const serve = pagedHistory(events);
  const requests: Parameters<FetchHistoryPage>[0][] = [];
  const fetchPage: FetchHistoryPage = async (request) => {
    requests.push(request);
    return serve(request);
  };
  return { fetchPage, requests };
}

describe("readNewEvents", () => {
  it("reads a whole history oldest first, paging newest first", async () => {
    const events = syntheticRenderHistory({ chunks: 50 });
    const { fetchPage, requests } = counting(events);
    const result = await readNewEvents(fetchPage, ARN, 0, { pageSize: 100 });
    expect(result.events.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(result.lastEventId).toBe(events.length);
    expect(requests.every((r) => r.reverseOrder === true)).toBe(true);
    expect(result.requests).toBe(Math.ceil(events.length / 100));
  });

  it("makes one request per refresh once caught up, however long the history", async () => {
    const full = syntheticRenderHistory({ chunks: 1000 });
    let visible = full.slice(0, 200);
    const requests: number[] = [];
    const fetchPage: FetchHistoryPage = async (request) => {
      requests.push(1);
      return pagedHistory(visible)(request);
    };
    let last = (await readNewEvents(fetchPage, ARN, 0)).lastEventId;
    const perRefresh: number[] = [];
    const seen: number[] = [];
    for (let end = 400; end <= full.length + 199; end += 200) {
      visible = full.slice(0, Math.min(end, full.length));
      const before = requests.length;
      const result = await readNewEvents(fetchPage, ARN, last);
      perRefresh.push(requests.length - before);
      seen.push(...result.events.map((e) => e.id ?? 0));
      last = result.lastEventId;
    }
    expect(perRefresh.every((n) => n === 1)).toBe(true);
    expect(last).toBe(full.length);
    expect(seen).toEqual(full.slice(200).map((e) => e.id));
  });

  it("returns nothing new and keeps the cursor when no event arrived", async () => {
    const events = syntheticRenderHistory({ chunks: 3 });
    const { fetchPage } = counting(events);
    const result = await readNewEvents(fetchPage, ARN, events.length);
    expect(result.events).toEqual([]);
    expect(result.lastEventId).toBe(events.length);
    expect(result.requests).toBe(1);
  });
});

describe("polling backoff", () => {
  it("doubles on throttling up to the maximum and resets after a good poll", () => {
    const timing = { baseMs: 1000, maxMs: 8000 };
    let delay = nextPollDelay(1000, "throttled", timing);
    expect(delay).toBe(2000);
    delay = nextPollDelay(delay, "throttled", timing);
    delay = nextPollDelay(delay, "throttled", timing);
    delay = nextPollDelay(delay, "throttled", timing);
    expect(delay).toBe(8000);
    expect(nextPollDelay(delay, "ok", timing)).toBe(1000);
  });

  it("recognizes the SDK's throttling errors", () => {
    expect(isThrottling(Object.assign(new Error("slow down"), { name: "ThrottlingException" }))).toBe(true);
    expect(isThrottling(new Error("other"))).toBe(false);
  });
});

describe("followJob", () => {
  it("polls until the job ends, backing off on throttling, with one request per poll", async () => {
    const { followJob } = await import("../../../tui/services/follow.js");
    const { emptyJobModel } = await import("../../../tui/history/job-model.js");
    const full = syntheticRenderHistory({ chunks: 30, maxConcurrency: 5 });
    let visible = 20;
    let calls = 0;
    const delays: number[] = [];
    const fetchPage: FetchHistoryPage = async (request) => {
      calls += 1;
      if (calls === 3) throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
      visible = Math.min(full.length, visible + 40);
      return pagedHistory(full.slice(0, visible))(request);
    };
    const updates: number[] = [];
    const model = await followJob(fetchPage, emptyJobModel(ARN), {
      timing: { baseMs: 1, maxMs: 4 },
      onUpdate: (m) => updates.push(m.lastEventId),
      onBackoff: (_err, delay) => delays.push(delay),
    });
    expect(model.status).toBe("SUCCEEDED");
    expect(delays).toEqual([2]);
    expect(updates.at(-1)).toBe(full.length);
    expect(updates).toEqual([...updates].sort((a, b) => a - b));
    expect(calls).toBe(updates.length + 1);
  });
});
