import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type S3rver from "s3rver";
import { digestTap } from "../../handlers/shared/stream-digest.js";

/**
 * s3rver 3.7 writes a PUT's bytes over the object's file in place, and answers before they are all
 * flushed, so a GET at the same moment can read a truncated object (CI saw a status document that
 * was "not valid JSON"). S3 itself replaces objects atomically; this store method does too: the bytes
 * go to a temp file next to the object, which is renamed over it once complete.
 */

interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | NodeJS.ReadableStream;
  metadata: Record<string, string>;
}

interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
}

export function makePutsAtomic(server: S3rver): void {
  const store = (server as unknown as { store: FilesystemStore }).store;
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, "object");
    await mkdir(dirname(objectPath), { recursive: true });
    // Not the object suffix, so listings never show it.
    const temp = `${objectPath}.${randomUUID()}.partial`;
    const { tap, result } = digestTap("md5");
    try {
      const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
      await pipeline(source, tap, createWriteStream(temp));
      const { hex: digest, size } = result();
      await store.putMetadata(object.bucket, object.key, object.metadata, digest);
      await rename(temp, objectPath);
      return { size, md5: digest };
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  };
}
