import { describe, expect, it } from "vitest";
import { apiRoutes } from "../../../handlers/api/index.js";
import { matchPattern, matchRoute } from "../../../handlers/api/router.js";
import { streamKeyFrom } from "../../../handlers/api/stream.js";
import { buildFunctionUrlEvent, resultToHttp } from "../../../local/function-url/index.js";
import { testDeps } from "./helpers.js";

const ID = "0123456789abcdef0123456789abcdef";

describe("router", () => {
  it("matches params and rest segments, decoding them", () => {
    expect(matchPattern("/status/:id", "/status/my%20file.mp4")).toEqual({ id: "my file.mp4" });
    expect(matchPattern("/status/:id", "/status/")).toBeUndefined();
    expect(matchPattern("/status/:id", "/status/a/b")).toBeUndefined();
    expect(matchPattern("/stream/*key", "/stream/processed/a/b.m4s")).toEqual({ key: "processed/a/b.m4s" });
    expect(matchPattern("/stream/*key", "/stream/")).toBeUndefined();
    expect(matchPattern("/", "/")).toEqual({});
  });

  it("tells 404 from 405 and lists the allowed methods", () => {
    const routes = apiRoutes(testDeps());
    expect(matchRoute(routes, "GET", "/nowhere")).toEqual({ kind: "not-found" });
    expect(matchRoute(routes, "POST", "/api/renders/r20260101t000000-00000000")).toEqual({
      kind: "method-not-allowed",
      allowed: ["GET", "DELETE"],
    });
    const head = matchRoute(routes, "HEAD", "/");
    expect(head.kind).toBe("found");
    const capability = matchRoute(routes, "GET", `/stream/s/1.abc/processed/${ID}/master.m3u8`);
    expect(capability.kind === "found" && capability.route.auth).toBe("capability");
    const plain = matchRoute(routes, "GET", `/stream/processed/${ID}/master.m3u8`);
    expect(plain.kind === "found" && (plain.route.auth ?? "token")).toBe("token");
  });
});

describe("stream keys", () => {
  it("accepts a video's outputs, in the new and the old form, `+` and %-decoded", () => {
    expect(streamKeyFrom(`processed/${ID}/720p/seg-1.m4s`)).toEqual({
      key: `processed/${ID}/720p/seg-1.m4s`,
      videoId: ID,
    });
    expect(streamKeyFrom(`${ID}/master.m3u8`)).toEqual({ key: `processed/${ID}/master.m3u8`, videoId: ID });
    expect(streamKeyFrom(`${ID}/sub%74itles/en.vtt`).key).toBe(`processed/${ID}/subtitles/en.vtt`);
    expect(streamKeyFrom(`${ID}/a+b.vtt`).key).toBe(`processed/${ID}/a b.vtt`);
  });

  it.each([
    [`processed/${ID}/../../uploads/x`],
    [`processed/${ID}/%2e%2e/x`],
    [`processed/${ID}/./x`],
    [`processed/${ID}//x`],
    [`%2Fprocessed/${ID}/x`],
    [`processed/${ID}/a%5Cb`],
    [`processed/${ID}/a%00b`],
    ["processed/names/x.json"],
    ["uploads/abc/x.mp4"],
    ["processed/xyz/x"],
    [`processed/${ID}`],
    ["%E0%A4%A"],
  ])("refuses %s", (raw) => {
    expect(() => streamKeyFrom(raw)).toThrow(expect.objectContaining({ name: "INVALID_REQUEST" }));
  });
});

describe("function url events", () => {
  it("builds payload 2.0 events: lower-case headers, cookies, query, text or base64 bodies", () => {
    const e = buildFunctionUrlEvent(
      {
        method: "POST",
        url: "/a/b%20c?x=1&x=2&y=z",
        headers: { host: "127.0.0.1:9", cookie: "a=1; b=2", "content-type": "application/json" },
      },
      Buffer.from('{"k":1}'),
      new Date("2026-01-01T00:00:00Z"),
    );
    expect(e).toMatchObject({
      version: "2.0",
      rawPath: "/a/b%20c",
      rawQueryString: "x=1&x=2&y=z",
      cookies: ["a=1", "b=2"],
      queryStringParameters: { x: "1,2", y: "z" },
      body: '{"k":1}',
      isBase64Encoded: false,
      requestContext: {
        http: { method: "POST", path: "/a/b%20c" },
        timeEpoch: Date.parse("2026-01-01T00:00:00Z"),
      },
    });
    expect(e.headers.cookie).toBeUndefined();
    const binary = buildFunctionUrlEvent(
      { method: "PUT", url: "/", headers: { "content-type": "video/mp4" } },
      Buffer.from([0, 255]),
    );
    expect(binary).toMatchObject({ body: "AP8=", isBase64Encoded: true });
  });

  it("turns results into HTTP as AWS does (objects without statusCode are JSON 200)", () => {
    expect(resultToHttp({ hello: "world" })).toMatchObject({
      statusCode: 200,
      body: Buffer.from('{"hello":"world"}'),
    });
    const full = resultToHttp({
      statusCode: 302,
      headers: { Location: "x" },
      body: "AP8=",
      isBase64Encoded: true,
      cookies: ["c=1"],
    });
    expect(full).toMatchObject({
      statusCode: 302,
      headers: { location: "x" },
      cookies: ["c=1"],
      body: Buffer.from([0, 255]),
    });
  });
});
