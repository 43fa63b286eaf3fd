import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { LAMBDA_ZIP_DIR, PROJECT_ROOT } from "../../../modules/packaging/build-lambda-zips.js";
import {
  buildLambdaZip,
  LAMBDA_UNZIPPED_LIMIT_BYTES,
  LAMBDA_ZIP_SPECS,
  type LambdaName,
} from "../../../modules/packaging/lambda-zip.js";
import { extractZip } from "./extract-zip.js";

const run = promisify(execFile);
const NODE = join(PROJECT_ROOT, "node_modules", ".bin", "node");

/** The real handler entries that exist (the handler issues add theirs): each must package and load. */
const names = (Object.keys(LAMBDA_ZIP_SPECS) as LambdaName[]).filter((name) =>
  existsSync(join(PROJECT_ROOT, LAMBDA_ZIP_SPECS[name].entry)),
);

describe.each(names)("the %s Lambda zip", (name) => {
  it("stays under Lambda's 250 MiB unzipped limit, carries its binaries and loads its handler", async () => {
    const zip = await buildLambdaZip(LAMBDA_ZIP_SPECS[name], {
      rootDir: PROJECT_ROOT,
      outDir: LAMBDA_ZIP_DIR,
    });
    expect(zip.unzippedBytes).toBeLessThan(LAMBDA_UNZIPPED_LIMIT_BYTES);

    const dir = await mkdtemp(join(tmpdir(), `hf-${name}-zip-`));
    try {
      expect(await extractZip(zip.zipPath, dir)).toBeGreaterThan(0);
      for (const binary of LAMBDA_ZIP_SPECS[name].binaries) {
        const { stdout } = await run(join(dir, binary.to), ["-version"]);
        expect(stdout).toMatch(/version/);
      }
      if (name === "render")
        expect(existsSync(join(dir, "node_modules/@sparticuz/chromium/bin/chromium.br"))).toBe(true);
      // Import the bundle the way Lambda does (index.handler) from the unpacked folder alone.
      const { stdout } = await run(
        NODE,
        [
          "--input-type=module",
          "-e",
          'const m = await import("./index.mjs"); console.log(typeof m.handler);',
        ],
        {
          cwd: dir,
          env: {
            PATH: process.env.PATH ?? "",
            HOME: dir,
            AWS_REGION: "us-east-1",
            BUCKET_NAME: "b",
            API_TOKEN: "x".repeat(32),
          },
        },
      );
      expect(stdout.trim()).toBe("function");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
