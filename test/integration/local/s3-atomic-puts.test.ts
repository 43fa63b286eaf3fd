import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3ClientOptions } from "../../../handlers/contracts/s3-client-options.js";
import { nodeBinary } from "../../../local/node-binary.js";
import { type LocalS3Server, startS3Server } from "../../../local/s3/start-s3-server.js";

/** The local S3 server replaces an object at once, as S3 does: a reader sees the old or the new bytes, whole. */

const BUCKET = "atomic-test";
let scratch: string;
let server: LocalS3Server;
let s3: S3Client;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "s3-atomic-"));
  server = await startS3Server({ directory: join(scratch, "s3"), bucket: BUCKET, nodePath: nodeBinary() });
  s3 = new S3Client(
    s3ClientOptions({
      endpoint: server.endpoint,
      forcePathStyle: true,
      region: "us-east-1",
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    }),
  );
});

afterAll(async () => {
  s3?.destroy();
  await server?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("local S3 PutObject", () => {
  it("never lets a concurrent GetObject read a partly written object", async () => {
    // 4 MB documents of one repeated letter: a torn read shows up as a wrong length or mixed letters.
    const body = (letter: string) => letter.repeat(4 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "doc", Body: body("a") }));
    let writing = true;
    const writer = (async () => {
      for (const letter of "bcdefghijk")
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "doc", Body: body(letter) }));
      writing = false;
    })();
    const torn: string[] = [];
    let reads = 0;
    while (writing) {
      const text = await (
        await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "doc" }))
      ).Body?.transformToString();
      reads += 1;
      const first = text?.[0] ?? "";
      if (text?.length !== 4 * 1024 * 1024 || text !== first.repeat(text.length))
        torn.push(`${text?.length} bytes`);
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
    expect(torn).toEqual([]);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual(["doc"]);
  });
});
