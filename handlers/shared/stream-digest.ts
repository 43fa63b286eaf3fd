import { createHash } from "node:crypto";
import { Transform } from "node:stream";

/** SHA-256 (hex) and byte count of a stream, read chunk by chunk: the object is never held in memory. */
export async function digestStream(
  body: AsyncIterable<Uint8Array>,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    hash.update(chunk);
  }
  return { sha256: hash.digest("hex"), size };
}

/**
 * A pass-through stage for a pipeline that hashes and counts what flows through it (a download to a
 * file, hashed on the way). `result()` is valid once the pipeline has finished.
 */
export function digestTap(algorithm: "sha256" | "md5" = "sha256"): {
  tap: Transform;
  result(): { hex: string; size: number };
} {
  const hash = createHash(algorithm);
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  return { tap, result: () => ({ hex: hash.digest("hex"), size }) };
}
