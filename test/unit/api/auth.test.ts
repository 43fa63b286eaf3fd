import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import {
  makeTokenProvider,
  streamCapability,
  tokensEqual,
  verifyStreamCapability,
} from "../../../handlers/api/auth.js";
import { readApiConfig } from "../../../handlers/api/config.js";
import { makeApiHandler } from "../../../handlers/api/index.js";
import { event, parse, TOKEN, testConfig, testDeps } from "./helpers.js";

describe("token comparison", () => {
  it("accepts only the exact token, whatever the lengths", () => {
    expect(tokensEqual("abc", "abc")).toBe(true);
    expect(tokensEqual("abd", "abc")).toBe(false);
    expect(tokensEqual("ab", "abc")).toBe(false);
    expect(tokensEqual("abcd", "abc")).toBe(false);
    expect(tokensEqual("", "abc")).toBe(false);
  });
});

describe("bearer auth in the handler", () => {
  it("refuses a missing, malformed or wrong token with 401 and WWW-Authenticate", async () => {
    const handler = makeApiHandler(testDeps());
    const variants: Record<string, string>[] = [
      {},
      { authorization: "Basic abc" },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: "Bearer" },
    ];
    for (const headers of variants) {
      const res = await handler(event("GET", "/api/transcoding_status", { token: null, headers }));
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(parse(res).error).toBe("UNAUTHORIZED");
      expect(res.headers?.["www-authenticate"]).toContain("Bearer");
    }
  });

  it("skips the check in iam mode (AWS verified the SigV4 signature)", async () => {
    const deps = testDeps({ config: testConfig({ authMode: "iam", apiToken: undefined }) });
    const handler = makeApiHandler(deps);
    const res = await handler(event("GET", "/nope", { token: null }));
    expect(res.statusCode).toBe(404);
    const videos = await handler(event("GET", "/api/videos?limit=abc", { token: null }));
    expect(videos.statusCode).toBe(400);
  });
});

describe("token from SSM", () => {
  it("fetches the SecureString once per container, decrypted, and retries after a failure", async () => {
    const deps = testDeps({
      config: testConfig({ apiToken: undefined, apiTokenParameter: "/hf/api-token" }),
    });
    const ssm = mockClient(deps.ssmClient);
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(new Error("network down"))
      .resolves({ Parameter: { Value: "from-ssm" } });
    const provider = makeTokenProvider(deps.config, deps.ssm);
    await expect(provider()).rejects.toMatchObject({ name: "ENDPOINT_UNREACHABLE" });
    expect(await provider()).toBe("from-ssm");
    expect(await provider()).toBe("from-ssm");
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
    expect(ssm.commandCalls(GetParameterCommand)[1]?.args[0].input).toEqual({
      Name: "/hf/api-token",
      WithDecryption: true,
    });

    const handler = makeApiHandler(deps);
    const ok = await handler(event("GET", "/nope", { token: "from-ssm" }));
    expect(ok.statusCode).toBe(404);
  });
});

describe("when SSM is unreachable", () => {
  it("still serves the page, and answers API routes with a retryable 503", async () => {
    const deps = testDeps({
      config: testConfig({ apiToken: undefined, apiTokenParameter: "/hf/api-token" }),
    });
    const ssm = mockClient(deps.ssmClient);
    ssm.on(GetParameterCommand).rejects(new Error("network down"));
    const handler = makeApiHandler(deps);
    expect((await handler(event("GET", "/", { token: null }))).statusCode).toBe(200);
    const api = await handler(event("GET", "/api/videos"));
    expect(api.statusCode).toBe(503);
    expect(parse(api).error).toBe("ENDPOINT_UNREACHABLE");
  });
});

describe("configuration", () => {
  it("refuses to run open or without a bucket", () => {
    expect(() => readApiConfig({})).toThrow(/BUCKET_NAME/);
    expect(() => readApiConfig({ BUCKET_NAME: "b" })).toThrow(/API_TOKEN/);
    expect(() => readApiConfig({ BUCKET_NAME: "b", API_AUTH_MODE: "open" })).toThrow(/API_AUTH_MODE/);
    expect(() => readApiConfig({ BUCKET_NAME: "b", API_TOKEN: "t", PRESIGN_EXPIRES_SECONDS: "0" })).toThrow(
      /PRESIGN/,
    );
    const config = readApiConfig({
      BUCKET_NAME: "b",
      API_AUTH_MODE: "iam",
      CORS_ORIGINS: "https://a.example, https://b.example",
    });
    expect(config).toMatchObject({
      authMode: "iam",
      corsOrigins: ["https://a.example", "https://b.example"],
      presignExpiresSeconds: 900,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });
});

describe("stream capabilities", () => {
  const video = "0".repeat(32);
  it("verify for their video until they expire", () => {
    const cap = streamCapability("tok", video, 2000);
    expect(() => verifyStreamCapability("tok", cap, video, 1999)).not.toThrow();
    expect(() => verifyStreamCapability("tok", cap, video, 2001)).toThrow(/expired/);
    expect(() => verifyStreamCapability("tok", cap, "1".repeat(32), 1999)).toThrow(/signature/);
    expect(() => verifyStreamCapability("other", cap, video, 1999)).toThrow(/signature/);
    expect(() => verifyStreamCapability("tok", cap.replace("2000.", "3000."), video, 1999)).toThrow(
      /signature/,
    );
    expect(() => verifyStreamCapability("tok", "garbage", video, 1999)).toThrow(/malformed/);
  });
});
