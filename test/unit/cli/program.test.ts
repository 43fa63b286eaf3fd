import { describe, expect, it } from "vitest";
import { runCli } from "../../../tui/cli/program.js";
import { captureIo } from "./cli-io.js";

describe("CLI frame", () => {
  it("prints help listing the commands and exits 0", async () => {
    const { io, stdout } = captureIo(["--help"]);
    expect(await runCli(io)).toBe(0);
    expect(stdout.text).toContain("Usage: hyperframes-tui");
    expect(stdout.text).toContain("doctor");
    expect(stdout.text).toContain("--target <target>");
  });

  it("has help for a subcommand", async () => {
    const { io, stdout } = captureIo(["doctor", "--help"]);
    expect(await runCli(io)).toBe(0);
    expect(stdout.text).toContain("Usage: hyperframes-tui doctor");
  });

  it("exits 2 on an unknown command and prints one JSON document with --json", async () => {
    const { io, stdout } = captureIo(["frobnicate", "--json"]);
    expect(await runCli(io)).toBe(2);
    const document = JSON.parse(stdout.text);
    expect(document).toEqual({
      status: "FAILED",
      error: { name: "USAGE_ERROR", message: expect.stringContaining("frobnicate") },
    });
  });

  it("exits 2 on a bad --target value", async () => {
    const { io, stderr } = captureIo(["doctor", "--target", "gcp"]);
    expect(await runCli(io)).toBe(2);
    expect(stderr.text).toContain("Allowed choices are local, aws");
  });

  it("exits 2 on a bad HYPERFRAMES_TARGET, naming the variable", async () => {
    const { io, stdout } = captureIo(["doctor", "--json"], { env: { HYPERFRAMES_TARGET: "azure" } });
    expect(await runCli(io)).toBe(2);
    expect(JSON.parse(stdout.text).error).toEqual({
      name: "USAGE_ERROR",
      message: 'HYPERFRAMES_TARGET must be "local" or "aws", got "azure"',
    });
  });

  it("runs a command in --json mode: one document on stdout, nothing else", async () => {
    const { io, stdout } = captureIo(["doctor", "--json"]);
    const code = await runCli(io);
    const document = JSON.parse(stdout.text);
    expect(document.target).toBe("local");
    expect(document.checks.map((c: { name: string }) => c.name)).toEqual([
      "node",
      "ffmpeg",
      "ffprobe",
      "chromium",
      "producer",
    ]);
    expect(code).toBe(document.status === "OK" ? 0 : 3);
  });

  it("reports a missing dependency with exit 3 and the error in the document", async () => {
    const { io, stdout } = captureIo(["doctor", "--json"], { env: { FFMPEG_PATH: "/nonexistent/ffmpeg" } });
    expect(await runCli(io)).toBe(3);
    const document = JSON.parse(stdout.text);
    expect(document.status).toBe("FAILED");
    expect(document.error).toEqual({
      name: "DEPENDENCY_MISSING",
      message: expect.stringContaining("ffmpeg"),
    });
  });

  it("prints plain lines without a TTY (no escape codes)", async () => {
    const { io, stdout } = captureIo(["doctor"], { env: { FFMPEG_PATH: "/nonexistent/ffmpeg" } });
    await runCli(io);
    expect(stdout.text).toContain("FAIL ffmpeg");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting the absence of escape codes
    expect(stdout.text).not.toMatch(/\u001b\[/);
  });
});
