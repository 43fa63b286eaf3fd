import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../..", import.meta.url));

/** Runs the real binary the way a user does (npx, so the pinned Node 22), without a TTY. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run("npx", ["--no-install", "hyperframes-tui", ...args], {
      cwd: root,
      env: { ...process.env, CI: "true", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("the hyperframes-tui binary", () => {
  it("runs on Node 22 after npm ci, with no build step", async () => {
    const result = await cli(["doctor", "--json"]);
    const document = JSON.parse(result.stdout);
    expect(document.checks[0]).toMatchObject({
      name: "node",
      ok: true,
      detail: expect.stringMatching(/^v22\./),
    });
    expect(result.code).toBe(0);
  });

  it("exits 2 with a usage error on stdout as JSON and a hint on stderr", async () => {
    const result = await cli(["nope", "--json"]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error.name).toBe("USAGE_ERROR");
    expect(result.stderr).toContain("unknown command 'nope'");
  });

  it("prints plain lines without a TTY and takes the target from --target", async () => {
    const result = await cli(["doctor", "--target", "aws"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("target: aws");
    expect(result.stdout).not.toContain("{");
  });
});
