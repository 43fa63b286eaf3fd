import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { build } from "esbuild";
import { ZipFile } from "yazl";

/**
 * Packages one Lambda function: esbuild bundles `handlers/<name>/index.ts` into `index.mjs`; packages
 * that cannot be bundled (they read files next to themselves, like @sparticuz/chromium's brotli
 * archives, or carry native binaries, like esbuild) are marked external and copied with their
 * dependency closure into `node_modules/`; static binaries go to `bin/`. The zip is deterministic
 * (sorted entries, fixed timestamps), so an unchanged input gives a byte-identical zip and an unchanged
 * `source_code_hash`. A manifest beside the zip records every input file's SHA-256: when none changed,
 * the zip is reused without bundling (synthesis stays fast).
 */

/** Lambda's limit on the unzipped size of a function's code (zip deployments). */
export const LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;
/** Where Lambda unpacks the zip. */
export const LAMBDA_TASK_ROOT = "/var/task";
/** Bump when the zip layout changes, so old caches are not reused. */
const LAYOUT_VERSION = 1;
const FIXED_MTIME = new Date("2000-01-01T00:00:00Z");

export type LambdaName = "render" | "media" | "api";

export interface LambdaZipSpec {
  readonly name: LambdaName;
  /** Entry file relative to the project root. */
  readonly entry: string;
  /** Packages kept out of the bundle and copied (with their dependencies) into node_modules/. */
  readonly externals: readonly string[];
  /** Files copied as executables: `from` relative to the project root, `to` inside the zip. */
  readonly binaries: readonly { readonly from: string; readonly to: string }[];
  /** Plain files copied as they are (e.g. browser scripts a handler serves), same shape. */
  readonly assets?: readonly { readonly from: string; readonly to: string }[];
}

const FFMPEG = { from: "node_modules/@ffmpeg-installer/linux-x64/ffmpeg", to: "bin/ffmpeg" } as const;
const FFPROBE = { from: "node_modules/ffprobe-static/bin/linux/x64/ffprobe", to: "bin/ffprobe" } as const;

/**
 * What each function carries. render: the producer (bundled), Chromium for Lambda (external: it unpacks
 * its .br archives from its own folder), esbuild (external: native binary, used by the producer), and
 * ffmpeg + ffprobe (plan, chunks and assemble must run one build). media: ffmpeg + ffprobe. api: code only.
 */
export const LAMBDA_ZIP_SPECS: Readonly<Record<LambdaName, LambdaZipSpec>> = {
  render: {
    name: "render",
    entry: "handlers/render/index.ts",
    externals: ["@sparticuz/chromium", "esbuild"],
    binaries: [FFMPEG, FFPROBE],
  },
  media: { name: "media", entry: "handlers/media/index.ts", externals: [], binaries: [FFMPEG, FFPROBE] },
  // The page's player, served by the api itself (handlers/api/page/routes.ts reads vendor/hls.min.js).
  api: {
    name: "api",
    entry: "handlers/api/index.ts",
    externals: [],
    binaries: [],
    assets: [{ from: "node_modules/hls.js/dist/hls.min.js", to: "vendor/hls.min.js" }],
  },
};

/** Environment variables a function needs because of how it is packaged (binary paths inside the zip). */
export function packagedEnvironment(spec: LambdaZipSpec): Record<string, string> {
  const env: Record<string, string> = {};
  for (const binary of spec.binaries) {
    if (binary.to === FFMPEG.to) env.FFMPEG_PATH = `${LAMBDA_TASK_ROOT}/${binary.to}`;
    if (binary.to === FFPROBE.to) env.FFPROBE_PATH = `${LAMBDA_TASK_ROOT}/${binary.to}`;
  }
  return env;
}

export class LambdaPackagingError extends Error {
  override readonly name = "LambdaPackagingError";
}

export interface BuiltLambdaZip {
  name: LambdaName;
  /** Absolute path of the zip. */
  zipPath: string;
  /** base64 SHA-256 of the zip: Lambda's `source_code_hash`. */
  sourceCodeHash: string;
  /** hex SHA-256 of the zip (used in the S3 key so new code gets a new object). */
  zipSha256: string;
  zipBytes: number;
  unzippedBytes: number;
  /** False when the cached zip was reused. */
  rebuilt: boolean;
  environment: Record<string, string>;
}

interface Manifest {
  layoutVersion: number;
  spec: LambdaZipSpec;
  /** Input file (relative to the root) -> [size, mtimeMs, sha256]: size and mtime equal skip the hash. */
  inputs: Record<string, [number, number, string]>;
  zipSha256: string;
  sourceCodeHash: string;
  zipBytes: number;
  unzippedBytes: number;
}

interface ZipEntry {
  /** Absolute file path, or the bundle's bytes. */
  source: string | Buffer;
  path: string;
  size: number;
  mode: number;
}

export interface BuildOptions {
  /** Project root (where package.json and node_modules are). */
  rootDir: string;
  /** Folder for zips and manifests. */
  outDir: string;
  /** Rebuild even when the cache says nothing changed. */
  force?: boolean;
  /** Limit on the unzipped size; default Lambda's 250 MiB. */
  unzippedLimitBytes?: number;
}

export async function buildLambdaZip(spec: LambdaZipSpec, options: BuildOptions): Promise<BuiltLambdaZip> {
  const rootDir = resolve(options.rootDir);
  const outDir = resolve(options.outDir);
  const zipPath = join(outDir, `${spec.name}.zip`);
  const manifestPath = join(outDir, `${spec.name}.manifest.json`);
  const entryPath = join(rootDir, spec.entry);
  if (!existsSync(entryPath)) {
    throw new LambdaPackagingError(
      `Lambda "${spec.name}": entry ${spec.entry} does not exist. Each handlers/<name>/index.ts must export handler(event, context).`,
    );
  }

  if (!options.force) {
    const cached = await readCachedManifest(manifestPath, zipPath, spec, rootDir);
    if (cached) return result(spec, zipPath, cached, false);
  }

  const closures = spec.externals.map((name) => packageClosure(name, rootDir));
  const bundle = await bundleEntry(entryPath, spec.externals, rootDir);
  const entries: ZipEntry[] = [
    {
      source: Buffer.from(bundle.code),
      path: "index.mjs",
      size: Buffer.byteLength(bundle.code),
      mode: 0o100644,
    },
  ];
  const inputs = new Set(bundle.inputs.map((input) => resolve(rootDir, input)));
  for (const closure of closures) {
    for (const packageDir of closure) {
      for (const file of await listFiles(packageDir)) {
        const zipEntryPath = relative(rootDir, file).split(sep).join("/");
        if (isExcludedPackageFile(zipEntryPath)) continue;
        const info = await stat(file);
        entries.push({ source: file, path: zipEntryPath, size: info.size, mode: info.mode });
        inputs.add(file);
      }
    }
  }
  const copies = [
    ...spec.binaries.map((file) => ({ ...file, mode: 0o100755 })),
    ...(spec.assets ?? []).map((file) => ({ ...file, mode: 0o100644 })),
  ];
  for (const file of copies) {
    const from = join(rootDir, file.from);
    if (!existsSync(from)) {
      throw new LambdaPackagingError(
        `Lambda "${spec.name}": ${file.from} is missing; run \`npm ci\` (it installs it).`,
      );
    }
    entries.push({ source: from, path: file.to, size: (await stat(from)).size, mode: file.mode });
    inputs.add(from);
  }

  const unzippedBytes = entries.reduce((sum, entry) => sum + entry.size, 0);
  const limit = options.unzippedLimitBytes ?? LAMBDA_UNZIPPED_LIMIT_BYTES;
  if (unzippedBytes > limit) {
    throw new LambdaPackagingError(
      `Lambda "${spec.name}": ${mib(unzippedBytes)} unzipped exceeds the ${mib(limit)} limit. Largest parts: ${largestParts(entries)}.`,
    );
  }

  await mkdir(outDir, { recursive: true });
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  await writeZip(entries, `${zipPath}.tmp`);
  await rename(`${zipPath}.tmp`, zipPath);
  const zipBytes = (await stat(zipPath)).size;
  const digest = await fileDigest(zipPath);
  const manifest: Manifest = {
    layoutVersion: LAYOUT_VERSION,
    spec,
    inputs: Object.fromEntries(
      await Promise.all(
        [...inputs].sort().map(async (file) => {
          const info = await stat(file);
          const fingerprint: [number, number, string] = [
            info.size,
            info.mtimeMs,
            (await fileDigest(file)).hex,
          ];
          return [relative(rootDir, file).split(sep).join("/"), fingerprint] as const;
        }),
      ),
    ),
    zipSha256: digest.hex,
    sourceCodeHash: digest.base64,
    zipBytes,
    unzippedBytes,
  };
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 1)}\n`);
  return result(spec, zipPath, manifest, true);
}

/** Builds every function whose entry exists; returns the built ones and the names whose entry is missing. */
export async function buildLambdaZips(options: BuildOptions & { names?: readonly LambdaName[] }): Promise<{
  built: BuiltLambdaZip[];
  missing: LambdaName[];
  failed: { name: LambdaName; message: string }[];
}> {
  const built: BuiltLambdaZip[] = [];
  const missing: LambdaName[] = [];
  const failed: { name: LambdaName; message: string }[] = [];
  for (const name of options.names ?? (Object.keys(LAMBDA_ZIP_SPECS) as LambdaName[])) {
    const spec = LAMBDA_ZIP_SPECS[name];
    if (!existsSync(join(options.rootDir, spec.entry))) {
      missing.push(name);
      continue;
    }
    try {
      built.push(await buildLambdaZip(spec, options));
    } catch (err) {
      failed.push({ name, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return { built, missing, failed };
}

function result(spec: LambdaZipSpec, zipPath: string, manifest: Manifest, rebuilt: boolean): BuiltLambdaZip {
  return {
    name: spec.name,
    zipPath,
    sourceCodeHash: manifest.sourceCodeHash,
    zipSha256: manifest.zipSha256,
    zipBytes: manifest.zipBytes,
    unzippedBytes: manifest.unzippedBytes,
    rebuilt,
    environment: packagedEnvironment(spec),
  };
}

async function readCachedManifest(
  manifestPath: string,
  zipPath: string,
  spec: LambdaZipSpec,
  rootDir: string,
): Promise<Manifest | undefined> {
  if (!existsSync(manifestPath) || !existsSync(zipPath)) return undefined;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, "utf8")) as Manifest;
  } catch {
    return undefined;
  }
  if (manifest.layoutVersion !== LAYOUT_VERSION || JSON.stringify(manifest.spec) !== JSON.stringify(spec))
    return undefined;
  if ((await stat(zipPath)).size !== manifest.zipBytes) return undefined;
  for (const [file, [size, mtimeMs, digest]] of Object.entries(manifest.inputs)) {
    const path = join(rootDir, file);
    if (!existsSync(path)) return undefined;
    const info = await stat(path);
    if (info.size !== size) return undefined;
    if (info.mtimeMs !== mtimeMs && (await fileDigest(path)).hex !== digest) return undefined;
  }
  return manifest;
}

async function bundleEntry(entryPath: string, externals: readonly string[], rootDir: string) {
  const output = await build({
    entryPoints: [entryPath],
    absWorkingDir: rootDir,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    write: false,
    metafile: true,
    minify: false,
    sourcemap: false,
    legalComments: "none",
    logLevel: "silent",
    // The AWS SDK v3 is bundled, not taken from the runtime: the code runs the versions it was tested with.
    external: [...externals],
    // Bundled CommonJS code calls require(); ESM output needs one.
    banner: {
      js: 'import { createRequire as __hfCreateRequire } from "node:module"; const require = __hfCreateRequire(import.meta.url);',
    },
  });
  const file = output.outputFiles[0];
  if (!file) throw new LambdaPackagingError(`esbuild produced no output for ${entryPath}`);
  return {
    code: file.text,
    inputs: Object.keys(output.metafile.inputs).filter((input) => !input.startsWith("<")),
  };
}

/** The package's folder and those of its dependencies (recursively), resolved like Node does. */
export function packageClosure(name: string, rootDir: string): string[] {
  const seen = new Set<string>();
  const visit = (packageName: string, fromDir: string, optional: boolean) => {
    const dir = findPackageDir(packageName, fromDir);
    if (!dir) {
      if (optional) return;
      throw new LambdaPackagingError(
        `Package ${packageName} (needed in the Lambda zip) is not installed; run \`npm ci\`.`,
      );
    }
    if (seen.has(dir)) return;
    seen.add(dir);
    const pkg = JSON.parse(readFileSyncUtf8(join(dir, "package.json"))) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  visit(name, rootDir, false);
  return [...seen].sort();
}

function findPackageDir(name: string, fromDir: string): string | undefined {
  let dir = resolve(fromDir);
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readFileSyncUtf8(path: string): string {
  return readFileSync(path, "utf8");
}

/**
 * Files of copied packages that Lambda never loads, left out to stay under the 250 MiB limit: type
 * declarations, source maps, docs, prebuilt native modules for other platforms, and esbuild's copy of
 * its binary in esbuild/bin (its API loads the one in @esbuild/linux-x64).
 */
export function isExcludedPackageFile(zipPath: string): boolean {
  if (/\.(d\.ts|d\.mts|d\.cts|map|md|markdown)$/i.test(zipPath)) return true;
  if (zipPath === "node_modules/esbuild/bin/esbuild") return true;
  const prebuild = /\/prebuilds\/([^/]+)\//.exec(zipPath);
  return prebuild?.[1] !== undefined && prebuild[1] !== "linux-x64";
}

/** Files under a package folder, without its nested node_modules (those are separate closure entries). */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === "node_modules") continue;
      out.push(...(await listFiles(path)));
    } else if (entry.isFile()) {
      out.push(path);
    }
  }
  return out;
}

async function writeZip(entries: ZipEntry[], path: string): Promise<void> {
  const zip = new ZipFile();
  for (const entry of entries) {
    // Brotli archives and other compressed files gain nothing from deflate.
    const compress = !/\.(br|gz|zip|png|jpg|woff2?)$/.test(entry.path);
    const fileOptions = compress
      ? { mtime: FIXED_MTIME, mode: entry.mode, compressionLevel: 6 }
      : { mtime: FIXED_MTIME, mode: entry.mode, compressionLevel: 0 };
    if (typeof entry.source === "string") zip.addFile(entry.source, entry.path, fileOptions);
    else zip.addBuffer(entry.source, entry.path, fileOptions);
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}

async function fileDigest(path: string): Promise<{ hex: string; base64: string }> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  const digest = hash.digest();
  return { hex: digest.toString("hex"), base64: digest.toString("base64") };
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function largestParts(entries: ZipEntry[]): string {
  const byTop = new Map<string, number>();
  for (const entry of entries) {
    const parts = entry.path.split("/");
    const top =
      parts[0] === "node_modules" ? parts.slice(0, parts[1]?.startsWith("@") ? 3 : 2).join("/") : entry.path;
    byTop.set(top, (byTop.get(top) ?? 0) + entry.size);
  }
  return [...byTop.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([part, bytes]) => `${part} ${mib(bytes)}`)
    .join(", ");
}

/**
 * A stand-in zip for a function whose entry does not exist yet (synth with --allow-missing-handlers):
 * its handler throws INTERNAL_ERROR naming the missing entry. Never deploy it.
 */
export async function writePlaceholderZip(spec: LambdaZipSpec, outDir: string): Promise<BuiltLambdaZip> {
  await mkdir(outDir, { recursive: true });
  const zipPath = join(outDir, `${spec.name}.zip`);
  const code = `export const handler = async () => { const e = new Error(${JSON.stringify(`${spec.entry} was not packaged`)}); e.name = "INTERNAL_ERROR"; throw e; };\n`;
  await writeZip(
    [{ source: Buffer.from(code), path: "index.mjs", size: code.length, mode: 0o100644 }],
    zipPath,
  );
  const digest = await fileDigest(zipPath);
  const zipBytes = (await stat(zipPath)).size;
  return {
    name: spec.name,
    zipPath,
    sourceCodeHash: digest.base64,
    zipSha256: digest.hex,
    zipBytes,
    unzippedBytes: code.length,
    rebuilt: true,
    environment: packagedEnvironment(spec),
  };
}
