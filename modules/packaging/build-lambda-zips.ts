import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildLambdaZips, LAMBDA_ZIP_SPECS, type LambdaName } from "./lambda-zip.js";

/** Project root and the folder zips are written to (gitignored). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const LAMBDA_ZIP_DIR = join(PROJECT_ROOT, "dist", "lambda");

/**
 * `npm run package [-- --force] [render|media|api ...]`: builds the Lambda zips into dist/lambda/.
 * Unchanged inputs reuse the cached zip. Exits 3 when an entry is missing or a zip is too large.
 */
async function main(argv: string[]): Promise<number> {
  const force = argv.includes("--force");
  const names = argv.filter((arg) => !arg.startsWith("--"));
  for (const name of names) {
    if (!Object.hasOwn(LAMBDA_ZIP_SPECS, name)) {
      process.stderr.write(
        `Unknown function ${JSON.stringify(name)}; expected one of ${Object.keys(LAMBDA_ZIP_SPECS).join(", ")}\n`,
      );
      return 2;
    }
  }
  try {
    const { built, missing, failed } = await buildLambdaZips({
      rootDir: PROJECT_ROOT,
      outDir: LAMBDA_ZIP_DIR,
      force,
      ...(names.length > 0 ? { names: names as LambdaName[] } : {}),
    });
    for (const zip of built) {
      const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
      process.stdout.write(
        `${zip.name}: ${zip.zipPath} ${mb(zip.zipBytes)} MiB zipped, ${mb(zip.unzippedBytes)} MiB unzipped${zip.rebuilt ? "" : " (cached)"}\n`,
      );
    }
    for (const failure of failed) process.stderr.write(`${failure.name}: ${failure.message}\n`);
    if (missing.length > 0) {
      process.stderr.write(
        `Missing handler entries (not packaged): ${missing.map((name) => LAMBDA_ZIP_SPECS[name].entry).join(", ")}\n`,
      );
      return 3;
    }
    return failed.length > 0 ? 3 : 0;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 3;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
