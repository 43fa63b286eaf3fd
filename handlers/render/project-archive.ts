import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { join, posix, sep } from "node:path";
import { extract, list, type ReadEntry } from "tar";
import { AppError } from "../contracts/errors.js";

/**
 * Project archives (.tar.gz) come from users and are untrusted. Before anything is written we list the
 * archive and refuse it whole if any entry is unsafe; only then do we extract, and afterwards we check
 * that every symbolic link really resolves inside the project.
 */

export interface ArchiveLimits {
  /** Compressed archive size. */
  readonly maxArchiveBytes: number;
  /** Sum of the entries' sizes once extracted. */
  readonly maxExtractedBytes: number;
  /** Number of entries (files, folders and links). */
  readonly maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = Object.freeze({
  maxArchiveBytes: 512 * 1024 * 1024,
  maxExtractedBytes: 2 * 1024 * 1024 * 1024,
  maxEntries: 10_000,
});

const FILE_TYPES = new Set(["File", "OldFile", "ContiguousFile"]);
const ALLOWED_TYPES = new Set([...FILE_TYPES, "Directory", "SymbolicLink", "Link"]);

/** Why an entry path is unsafe, or undefined when it is a plain relative path inside the project. */
export function unsafePathReason(path: string): string | undefined {
  if (path.includes("\0")) return "contains a NUL byte";
  if (path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path)) return "is an absolute path";
  const segments = path.split(/[/\\]/);
  if (segments.includes("..")) return "climbs out of the project with ..";
  return undefined;
}

/** Normalized project-relative path of an entry (`./a/b/` -> `a/b`); "" for the root itself. */
export function normalizeEntryPath(path: string): string {
  const normalized = posix.normalize(path.replace(/\\/g, "/")).replace(/\/+$/, "");
  return normalized === "." ? "" : normalized.replace(/^\.\//, "");
}

/** Whether a link's target, resolved lexically from the entry, stays inside the project. */
export function linkStaysInside(entryPath: string, linkpath: string, kind: "SymbolicLink" | "Link"): boolean {
  if (!linkpath || unsafePathReason(linkpath) === "is an absolute path" || linkpath.includes("\0"))
    return false;
  const base = kind === "SymbolicLink" ? posix.dirname(normalizeEntryPath(entryPath)) : "";
  const resolved = posix.normalize(posix.join(base, linkpath.replace(/\\/g, "/")));
  return resolved !== ".." && !resolved.startsWith("../");
}

interface EntrySummary {
  readonly path: string;
  readonly type: string;
  readonly size: number;
  readonly linkpath: string | undefined;
}

/** Checks every entry of a listed archive against the rules and the limits; throws the first failure. */
export function checkEntries(
  entries: readonly EntrySummary[],
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): void {
  if (entries.length > limits.maxEntries) {
    throw new AppError(
      "PROJECT_TOO_LARGE",
      `The project archive has ${entries.length} entries; the limit is ${limits.maxEntries}.`,
      {
        details: { entries: entries.length, limit: limits.maxEntries },
      },
    );
  }
  let total = 0;
  for (const entry of entries) {
    const reason = unsafePathReason(entry.path);
    if (reason) throw invalid(`entry ${JSON.stringify(entry.path)} ${reason}`);
    if (!ALLOWED_TYPES.has(entry.type)) {
      throw invalid(
        `entry ${JSON.stringify(entry.path)} is a ${entry.type}; only files, folders and links inside the project are allowed`,
      );
    }
    if (
      (entry.type === "SymbolicLink" || entry.type === "Link") &&
      !linkStaysInside(entry.path, entry.linkpath ?? "", entry.type)
    ) {
      throw invalid(
        `link ${JSON.stringify(entry.path)} -> ${JSON.stringify(entry.linkpath ?? "")} points outside the project`,
      );
    }
    if (FILE_TYPES.has(entry.type)) total += entry.size;
    if (total > limits.maxExtractedBytes) {
      throw new AppError(
        "PROJECT_TOO_LARGE",
        `The project extracts to more than ${limits.maxExtractedBytes} bytes (the limit).`,
        { details: { limit: limits.maxExtractedBytes } },
      );
    }
  }
}

const invalid = (message: string): AppError =>
  new AppError("INVALID_PROJECT_ARCHIVE", `Refused the project archive: ${message}.`);

async function listEntries(archivePath: string): Promise<EntrySummary[]> {
  const entries: EntrySummary[] = [];
  try {
    await list({
      file: archivePath,
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        entries.push({ path: entry.path, type: entry.type, size: entry.size ?? 0, linkpath: entry.linkpath });
        entry.resume();
      },
    });
  } catch (err) {
    throw new AppError(
      "INVALID_PROJECT_ARCHIVE",
      `The project archive is not a readable .tar.gz: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (entries.length === 0) throw invalid("it is empty");
  return entries;
}

/**
 * Extracts a project archive into `destination` (an empty folder) and returns the project folder: the
 * archive root, or its single top-level folder when the archive wraps the project in one.
 */
export async function extractProjectArchive(
  archivePath: string,
  destination: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<string> {
  const { size } = await stat(archivePath);
  if (size > limits.maxArchiveBytes) {
    throw new AppError(
      "PROJECT_TOO_LARGE",
      `The project archive is ${size} bytes; the limit is ${limits.maxArchiveBytes}.`,
      {
        details: { size, limit: limits.maxArchiveBytes },
      },
    );
  }
  const entries = await listEntries(archivePath);
  checkEntries(entries, limits);

  try {
    await extract({
      file: archivePath,
      cwd: destination,
      strict: true,
      preservePaths: false,
      preserveOwner: false,
      noChmod: true,
      filter: (_path, entry) =>
        "type" in entry && typeof entry.type === "string" && ALLOWED_TYPES.has(entry.type),
    });
  } catch (err) {
    throw new AppError(
      "INVALID_PROJECT_ARCHIVE",
      `The project archive could not be extracted: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }

  await checkLinksResolveInside(destination, entries);
  return findProjectRoot(destination);
}

async function checkLinksResolveInside(root: string, entries: readonly EntrySummary[]): Promise<void> {
  const realRoot = await realpath(root);
  for (const entry of entries) {
    if (entry.type !== "SymbolicLink") continue;
    const linkPath = join(root, normalizeEntryPath(entry.path));
    let target: string;
    try {
      target = await realpath(linkPath);
    } catch {
      throw invalid(
        `link ${JSON.stringify(entry.path)} -> ${JSON.stringify(entry.linkpath ?? "")} does not resolve to a file in the project`,
      );
    }
    if (target !== realRoot && !target.startsWith(realRoot + sep)) {
      throw invalid(
        `link ${JSON.stringify(entry.path)} -> ${JSON.stringify(entry.linkpath ?? "")} resolves outside the project`,
      );
    }
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isFile() || (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The folder holding index.html: the root, or a single top-level folder. */
export async function findProjectRoot(root: string): Promise<string> {
  if (await isFile(join(root, "index.html"))) return root;
  const top = (await readdir(root, { withFileTypes: true })).filter((dirent) => !dirent.name.startsWith("."));
  const only = top[0];
  if (top.length === 1 && only?.isDirectory() && (await isFile(join(root, only.name, "index.html")))) {
    return join(root, only.name);
  }
  throw new AppError(
    "MISSING_INDEX_HTML",
    "The project archive has no index.html at its root (nor in a single top-level folder).",
  );
}
