import { copyFile, link, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { App } from "cdktf";
import { LAMBDA_ZIP_DIR, PROJECT_ROOT } from "./modules/packaging/build-lambda-zips.js";
import {
  type BuiltLambdaZip,
  buildLambdaZips,
  LAMBDA_ZIP_SPECS,
  type LambdaName,
  writePlaceholderZip,
} from "./modules/packaging/lambda-zip.js";
import {
  HyperframesModuleStack,
  HyperframesRootStack,
  type StackZips,
  zipAssetPath,
} from "./modules/stacks.js";

/**
 * `npm run synth` (tsx main.ts): packages the Lambda zips (cached by input hash), then writes two stacks
 * into cdktf.out/stacks/:
 *   hyperframes         deployable root stack (AWS provider, region variable, local backend)
 *   hyperframes-module  a Terraform module (no provider configuration, no backend)
 * Each stack folder gets its zips under assets/, referenced as `${path.module}/assets/<name>.zip`.
 * `--allow-missing-handlers` puts a stand-in zip where a handler entry does not exist yet (never deploy it).
 */
export const ROOT_STACK_ID = "hyperframes";
export const MODULE_STACK_ID = "hyperframes-module";
const OUT_DIR = join(PROJECT_ROOT, "cdktf.out");

async function main(argv: string[]): Promise<number> {
  const allowMissing = argv.includes("--allow-missing-handlers");
  const started = Date.now();
  const { built, missing, failed } = await buildLambdaZips({ rootDir: PROJECT_ROOT, outDir: LAMBDA_ZIP_DIR });
  for (const failure of failed) process.stderr.write(`synth: ${failure.name}: ${failure.message}\n`);
  if (failed.length > 0) return 3;
  const zips = new Map<LambdaName, BuiltLambdaZip>(built.map((zip) => [zip.name, zip]));
  if (missing.length > 0) {
    const entries = missing.map((name) => LAMBDA_ZIP_SPECS[name].entry).join(", ");
    if (!allowMissing) {
      process.stderr.write(
        `synth: missing handler entries: ${entries}. Pass --allow-missing-handlers for stand-ins (never deploy them).\n`,
      );
      return 3;
    }
    process.stderr.write(
      `synth: WARNING stand-in zips for missing entries: ${entries}. Do not deploy this synth.\n`,
    );
    for (const name of missing)
      zips.set(name, await writePlaceholderZip(LAMBDA_ZIP_SPECS[name], join(LAMBDA_ZIP_DIR, "placeholders")));
  }
  const zip = (name: LambdaName): BuiltLambdaZip => {
    const found = zips.get(name);
    if (!found) throw new Error(`no zip for ${name}`);
    return found;
  };
  const stackZips: StackZips = {
    zips: {
      render: { sha256: zip("render").zipSha256, sourceCodeHash: zip("render").sourceCodeHash },
      media: { sha256: zip("media").zipSha256, sourceCodeHash: zip("media").sourceCodeHash },
      api: { sha256: zip("api").zipSha256, sourceCodeHash: zip("api").sourceCodeHash },
    },
    packagedEnvironment: {
      render: zip("render").environment,
      media: zip("media").environment,
      api: zip("api").environment,
    },
  };

  // The module stack has no provider: validation would insist on one.
  const app = new App({ outdir: OUT_DIR, skipValidation: true });
  new HyperframesRootStack(app, ROOT_STACK_ID, stackZips);
  new HyperframesModuleStack(app, MODULE_STACK_ID, stackZips);
  app.synth();

  for (const stackId of [ROOT_STACK_ID, MODULE_STACK_ID]) {
    const assetsDir = join(OUT_DIR, "stacks", stackId, "assets");
    await rm(assetsDir, { recursive: true, force: true });
    await mkdir(assetsDir, { recursive: true });
    for (const name of Object.keys(LAMBDA_ZIP_SPECS) as LambdaName[]) {
      const target = join(OUT_DIR, "stacks", stackId, zipAssetPath(name));
      // A hard link costs nothing; copy when the output is on another file system.
      await link(zip(name).zipPath, target).catch(() => copyFile(zip(name).zipPath, target));
    }
  }
  process.stdout.write(
    `synth: wrote ${join("cdktf.out", "stacks", ROOT_STACK_ID)} and ${join("cdktf.out", "stacks", MODULE_STACK_ID)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
