import { createHash } from "node:crypto";
import { lstat, readdir, stat } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { create } from "tar";
import { AppError } from "../../handlers/contracts/errors.js";

/**
 * Packs a project folder into a deterministic .tar.gz: files in sorted order, fixed mtime, no owner
 * names or ids, so the same folder always gives the same bytes and the same content address
 * (`projects/<sha256>.tar.gz`): an unchanged project is uploaded once.
 */

export interface PackedProject {
  /** The folder's name: the output's `<name>` (outputs/<jobId>/<name>.<format>). */
  name: string;
  archive: Buffer;
  sha256: string;
  files: number;
}

/** Folders never packed: VCS data, dependencies, local cloud data and render outputs. */
const SKIPPED = new Set([".git", "node_modules", ".hyperframes", "out"]);
const FIXED_MTIME = new Date("2000-01-01T00:00:00Z");

async function listEntries(root: string, dir: string, out: string[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    if (SKIPPED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    const rel = relative(root, path);
    if (entry.isDirectory()) {
      out.push(`${rel}/`);
      await listEntries(root, path, out);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      out.push(rel);
    }
  }
}

/** A safe output name from a folder name (letters, digits, dot, dash, underscore). */
export function projectName(folder: string): string {
  const cleaned = basename(resolve(folder))
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[-.]+|-+$/g, "");
  return cleaned || "render";
}

export async function packProject(folder: string): Promise<PackedProject> {
  const root = resolve(folder);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new AppError("USAGE_ERROR", `${folder} is not a folder; give the composition's project folder.`);
  }
  const index = await lstat(join(root, "index.html")).catch(() => undefined);
  if (!index?.isFile()) {
    throw new AppError("MISSING_INDEX_HTML", `${folder} has no index.html at its root.`);
  }
  const entries: string[] = [];
  await listEntries(root, root, entries);
  const stream = create(
    { cwd: root, gzip: { level: 9 }, portable: true, mtime: FIXED_MTIME, noDirRecurse: true, follow: false },
    entries.map((e) => (e.endsWith("/") ? e.slice(0, -1) : e)),
  );
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  const archive = Buffer.concat(chunks);
  return {
    name: projectName(root),
    archive,
    sha256: createHash("sha256").update(archive).digest("hex"),
    files: entries.filter((e) => !e.endsWith("/")).length,
  };
}
