import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../../handlers/contracts/errors.js";
import {
  type ArchiveLimits,
  DEFAULT_ARCHIVE_LIMITS,
  extractProjectArchive,
  linkStaysInside,
  normalizeEntryPath,
  unsafePathReason,
} from "../../../handlers/render/project-archive.js";
import { type CraftedEntry, craftTarGz, INDEX_HTML } from "./tar-builder.js";

let dir: string;
let outside: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "archive-test-"));
  outside = join(dir, "outside");
  await mkdir(outside);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function extract(
  entries: readonly CraftedEntry[],
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<string> {
  const archive = join(dir, "project.tar.gz");
  await writeFile(archive, craftTarGz(entries));
  const destination = join(dir, "extract", "root");
  await mkdir(destination, { recursive: true });
  return extractProjectArchive(archive, destination, limits);
}

async function refusal(entries: readonly CraftedEntry[], limits?: ArchiveLimits): Promise<AppError> {
  try {
    await extract(entries, limits);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("the archive was accepted");
}

describe("extractProjectArchive", () => {
  it("extracts a valid project and returns its root", async () => {
    const root = await extract([
      { path: "./", type: "5" },
      { ...INDEX_HTML, path: "./index.html" },
      { path: "./assets/a.txt", body: "hi" },
    ]);
    expect(await readFile(join(root, "assets", "a.txt"), "utf8")).toBe("hi");
  });

  it("accepts a project wrapped in one top-level folder", async () => {
    const root = await extract([
      { path: "comp/", type: "5" },
      { ...INDEX_HTML, path: "comp/index.html" },
    ]);
    expect(root.endsWith(join("root", "comp"))).toBe(true);
  });

  it("accepts a symlink that stays inside the project", async () => {
    const root = await extract([
      INDEX_HTML,
      { path: "a.txt", body: "x" },
      { path: "b.txt", type: "2", linkpath: "a.txt" },
    ]);
    expect(await readFile(join(root, "b.txt"), "utf8")).toBe("x");
  });

  it.each([
    ["path traversal", [INDEX_HTML, { path: "../evil.txt", body: "x" }], /climbs out/],
    ["nested path traversal", [INDEX_HTML, { path: "assets/../../evil.txt", body: "x" }], /climbs out/],
    ["an absolute path", [INDEX_HTML, { path: "/tmp/evil.txt", body: "x" }], /absolute/],
    [
      "a symlink to an absolute path",
      [INDEX_HTML, { path: "l", type: "2", linkpath: "/etc/passwd" }],
      /outside the project/,
    ],
    [
      "a symlink climbing out",
      [INDEX_HTML, { path: "sub/l", type: "2", linkpath: "../../outside" }],
      /outside the project/,
    ],
    [
      "a hard link climbing out",
      [INDEX_HTML, { path: "h", type: "1", linkpath: "../outside/x" }],
      /outside the project/,
    ],
    ["a character device", [INDEX_HTML, { path: "tty", type: "3" }], /CharacterDevice/],
    ["a block device", [INDEX_HTML, { path: "sda", type: "4" }], /BlockDevice/],
    ["a FIFO", [INDEX_HTML, { path: "pipe", type: "6" }], /FIFO/],
  ] as Array<[string, CraftedEntry[], RegExp]>)(
    "refuses %s with INVALID_PROJECT_ARCHIVE and writes nothing",
    async (_label, entries, message) => {
      const err = await refusal(entries);
      expect(err.name).toBe("INVALID_PROJECT_ARCHIVE");
      expect(err.message).toMatch(message);
      expect(await readdir(join(dir, "extract", "root"))).toEqual([]);
      expect(await readdir(outside)).toEqual([]);
    },
  );

  it("refuses a symlink that resolves outside through another symlink", async () => {
    // `up/..` looks inside lexically, but `up` is the project root, so it resolves to the parent.
    const err = await refusal([
      INDEX_HTML,
      { path: "up", type: "2", linkpath: "." },
      { path: "escape", type: "2", linkpath: "up/.." },
    ]);
    expect(err.name).toBe("INVALID_PROJECT_ARCHIVE");
    expect(err.message).toMatch(/resolves outside/);
  });

  it("refuses too many entries with PROJECT_TOO_LARGE", async () => {
    const files = Array.from({ length: 5 }, (_, i) => ({ path: `f${i}.txt`, body: "x" }));
    const err = await refusal([INDEX_HTML, ...files], { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 4 });
    expect(err.name).toBe("PROJECT_TOO_LARGE");
    expect(err.message).toMatch(/6 entries; the limit is 4/);
  });

  it("refuses content over the extracted-size limit with PROJECT_TOO_LARGE", async () => {
    const err = await refusal([INDEX_HTML, { path: "big.bin", body: Buffer.alloc(4096) }], {
      ...DEFAULT_ARCHIVE_LIMITS,
      maxExtractedBytes: 2048,
    });
    expect(err.name).toBe("PROJECT_TOO_LARGE");
  });

  it("refuses an archive over the compressed-size limit with PROJECT_TOO_LARGE", async () => {
    const err = await refusal([INDEX_HTML], { ...DEFAULT_ARCHIVE_LIMITS, maxArchiveBytes: 10 });
    expect(err.name).toBe("PROJECT_TOO_LARGE");
  });

  it("reports MISSING_INDEX_HTML when there is no index.html", async () => {
    const err = await refusal([{ path: "main.html", body: "<html></html>" }]);
    expect(err.name).toBe("MISSING_INDEX_HTML");
  });

  it("reports a file that is not a tar.gz as INVALID_PROJECT_ARCHIVE", async () => {
    const archive = join(dir, "junk.tar.gz");
    await writeFile(archive, "this is not an archive");
    const destination = join(dir, "junk");
    await mkdir(destination);
    await expect(extractProjectArchive(archive, destination)).rejects.toMatchObject({
      name: "INVALID_PROJECT_ARCHIVE",
    });
  });
});

describe("path rules", () => {
  it("classifies entry paths", () => {
    expect(unsafePathReason("a/b.txt")).toBeUndefined();
    expect(unsafePathReason("./a")).toBeUndefined();
    expect(unsafePathReason("a/../../b")).toMatch(/climbs/);
    expect(unsafePathReason("C:\\x")).toMatch(/absolute/);
    expect(unsafePathReason("..\\x")).toMatch(/climbs/);
  });

  it("normalizes entry paths", () => {
    expect(normalizeEntryPath("./")).toBe("");
    expect(normalizeEntryPath("./a/b/")).toBe("a/b");
  });

  it("resolves link targets from the link's folder (symlinks) or the root (hard links)", () => {
    expect(linkStaysInside("a/b/l", "../c", "SymbolicLink")).toBe(true);
    expect(linkStaysInside("a/l", "../../c", "SymbolicLink")).toBe(false);
    expect(linkStaysInside("a/b/l", "../c", "Link")).toBe(false);
    expect(linkStaysInside("l", "/etc", "SymbolicLink")).toBe(false);
  });
});
