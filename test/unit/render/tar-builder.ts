import { gzipSync } from "node:zlib";

/**
 * Builds .tar.gz archives byte by byte (ustar headers), so tests can craft entries no well-behaved tar
 * tool would write: `..` paths, absolute paths, escaping links, devices, FIFOs.
 */
export interface CraftedEntry {
  path: string;
  /** ustar type flag: "0" file, "1" hard link, "2" symlink, "3" char device, "4" block device, "5" dir, "6" FIFO. */
  type?: "0" | "1" | "2" | "3" | "4" | "5" | "6";
  body?: string | Buffer;
  linkpath?: string;
}

function writeString(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value.slice(0, length), offset, length, "utf8");
}

function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  writeString(header, offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
}

function headerFor(entry: CraftedEntry, size: number): Buffer {
  const header = Buffer.alloc(512);
  writeString(header, 0, 100, entry.path);
  writeOctal(header, 100, 8, entry.type === "5" ? 0o755 : 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, 1_700_000_000);
  header.fill(" ", 148, 156);
  writeString(header, 156, 1, entry.type ?? "0");
  writeString(header, 157, 100, entry.linkpath ?? "");
  writeString(header, 257, 6, "ustar\0");
  writeString(header, 263, 2, "00");
  let sum = 0;
  for (const byte of header) sum += byte;
  writeString(header, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return header;
}

export function craftTarGz(entries: readonly CraftedEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const body =
      entry.type === undefined || entry.type === "0" ? Buffer.from(entry.body ?? "") : Buffer.alloc(0);
    parts.push(headerFor(entry, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}

export const INDEX_HTML: CraftedEntry = {
  path: "index.html",
  body: '<div data-composition-id="t" data-width="640" data-height="360" data-duration="1"></div>',
};
