import { createHash } from "node:crypto";

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
