import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { STACK_OUTPUTS } from "../../../handlers/contracts/stack-outputs.js";
import { PROJECT_ROOT } from "../../../modules/packaging/build-lambda-zips.js";

const run = promisify(execFile);

describe("npm run synth (tsx main.ts)", () => {
  it("writes the root and module stacks with their zips, offline", async () => {
    const { stdout } = await run(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), ["main.ts"], {
      cwd: PROJECT_ROOT,
      maxBuffer: 1 << 20,
    });
    expect(stdout).toMatch(
      /synth: wrote cdktf\.out\/stacks\/hyperframes and cdktf\.out\/stacks\/hyperframes-module/,
    );
    for (const stack of ["hyperframes", "hyperframes-module"]) {
      const dir = join(PROJECT_ROOT, "cdktf.out", "stacks", stack);
      const json = JSON.parse(await readFile(join(dir, "cdk.tf.json"), "utf8")) as {
        output: Record<string, unknown>;
        provider?: unknown;
      };
      expect(Object.keys(json.output).sort()).toEqual(Object.values(STACK_OUTPUTS).sort());
      expect(json.provider === undefined).toBe(stack === "hyperframes-module");
      for (const name of ["render", "media", "api"]) {
        const zip = await readFile(join(dir, "assets", `${name}.zip`));
        expect(zip.readUInt32LE(0)).toBe(0x04034b50);
      }
    }
  });
});
