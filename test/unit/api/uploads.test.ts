import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  NoSuchUpload,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { makeApiHandler } from "../../../handlers/api/index.js";
import {
  parseUploadHandle,
  partCountFor,
  partSizeFor,
  UPLOAD_LIMITS,
  uploadHandle,
} from "../../../handlers/api/uploads.js";
import { event, parse, testDeps } from "./helpers.js";

const MiB = 1024 * 1024;
const FOLDER = "0123456789abcdef01234567";
const KEY = `uploads/${FOLDER}/clip.mp4`;

function setup() {
  const deps = testDeps();
  const s3 = mockClient(deps.s3);
  return { deps, s3, handler: makeApiHandler(deps) };
}

describe("part size", () => {
  it("is 5 MiB (what old clients slice by) until a file needs more to fit 10,000 parts", () => {
    expect(partSizeFor(1)).toBe(5 * MiB);
    expect(partSizeFor(50_000 * MiB)).toBe(5 * MiB);
    expect(partSizeFor(50_001 * MiB)).toBe(6 * MiB);
    const max = UPLOAD_LIMITS.maxFileSize;
    expect(partCountFor(max, partSizeFor(max))).toBeLessThanOrEqual(10_000);
    expect(partSizeFor(max)).toBeLessThanOrEqual(5 * 1024 * MiB);
    expect(partCountFor(5 * MiB + 1, 5 * MiB)).toBe(2);
  });

  it("packs the upload folder into the handle so fileName alone finds the key", () => {
    expect(parseUploadHandle(uploadHandle(FOLDER, "s3.Up-load_id"))).toEqual({
      folder: FOLDER,
      s3UploadId: "s3.Up-load_id",
    });
    expect(parseUploadHandle("raw-s3-id")).toEqual({ s3UploadId: "raw-s3-id" });
  });
});

describe("create_multipart_upload", () => {
  it("signs only the first batch of parts so the response stays small", async () => {
    const { s3, handler } = setup();
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "abc" });
    const res = await handler(
      event("POST", "/create_multipart_upload", { body: { fileName: "big.mp4", fileSize: 10 * 1024 * MiB } }),
    );
    expect(res.statusCode).toBe(200);
    const body = parse(res) as { urls: string[]; partCount: number; uploadId: string; key: string };
    expect(body.partCount).toBe(2048);
    expect(body.urls).toHaveLength(UPLOAD_LIMITS.urlBatch);
    expect(body.uploadId).toMatch(/^[0-9a-f]{24}\.abc$/);
    expect(body.key).toBe(`uploads/${body.uploadId.slice(0, 24)}/big.mp4`);
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input.Key).toBe(body.key);
  });
});

describe("abort_multipart_upload (at the SDK edge: the local S3 server lacks it)", () => {
  it("aborts the upload the key and handle name", async () => {
    const { s3, handler } = setup();
    s3.on(AbortMultipartUploadCommand).resolves({});
    const res = await handler(
      event("POST", "/abort_multipart_upload", {
        body: { key: KEY, uploadId: uploadHandle(FOLDER, "s3id") },
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(parse(res)).toEqual({ status: "aborted", key: KEY });
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toEqual({
      Bucket: "unit-bucket",
      Key: KEY,
      UploadId: "s3id",
    });
  });

  it("works for old clients that send fileName instead of key", async () => {
    const { s3, handler } = setup();
    s3.on(AbortMultipartUploadCommand).resolves({});
    const res = await handler(
      event("POST", "/abort_multipart_upload", {
        body: { fileName: "clip.mp4", uploadId: uploadHandle(FOLDER, "s3id") },
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input.Key).toBe(KEY);
  });

  it("answers 404 for an upload S3 does not know", async () => {
    const { s3, handler } = setup();
    s3.on(AbortMultipartUploadCommand).rejects(
      new NoSuchUpload({ message: "gone", $metadata: { httpStatusCode: 404 } }),
    );
    const res = await handler(
      event("POST", "/abort_multipart_upload", { body: { key: KEY, uploadId: "s3id" } }),
    );
    expect(res.statusCode).toBe(404);
    expect(parse(res).error).toBe("NOT_FOUND");
  });

  it("maps S3 throttling to a retryable 503", async () => {
    const { s3, handler } = setup();
    s3.on(AbortMultipartUploadCommand).rejects(
      Object.assign(new Error("slow down"), { name: "SlowDown", $metadata: { httpStatusCode: 503 } }),
    );
    const res = await handler(
      event("POST", "/abort_multipart_upload", { body: { key: KEY, uploadId: "s3id" } }),
    );
    expect(res.statusCode).toBe(503);
    expect(parse(res).error).toBe("S3_TRANSIENT");
  });
});

describe("list_parts (at the SDK edge: the local S3 server lacks it)", () => {
  it("follows PartNumberMarker across pages", async () => {
    const { s3, handler } = setup();
    s3.on(ListPartsCommand, { PartNumberMarker: undefined })
      .resolves({
        Parts: [{ PartNumber: 1, ETag: '"a"', Size: 5 * MiB }],
        IsTruncated: true,
        NextPartNumberMarker: "1",
      })
      .on(ListPartsCommand, { PartNumberMarker: "1" })
      .resolves({ Parts: [{ PartNumber: 2, ETag: '"b"', Size: 10 }], IsTruncated: false });
    const res = await handler(event("POST", "/list_parts", { body: { key: KEY, uploadId: "s3id" } }));
    expect(res.statusCode).toBe(200);
    expect(parse(res)).toEqual({
      key: KEY,
      parts: [
        { PartNumber: 1, ETag: '"a"', Size: 5 * MiB },
        { PartNumber: 2, ETag: '"b"', Size: 10 },
      ],
    });
    expect(s3.commandCalls(ListPartsCommand)).toHaveLength(2);
  });

  it("answers 404 for an unknown upload", async () => {
    const { s3, handler } = setup();
    s3.on(ListPartsCommand).rejects(
      new NoSuchUpload({ message: "gone", $metadata: { httpStatusCode: 404 } }),
    );
    const res = await handler(event("POST", "/list_parts", { body: { key: KEY, uploadId: "s3id" } }));
    expect(res.statusCode).toBe(404);
  });
});

describe("complete_multipart_upload errors", () => {
  it("answers 404 when S3 has no such upload and no object was written", async () => {
    const { s3, handler } = setup();
    s3.onAnyCommand().rejects(
      Object.assign(new Error("not found"), { name: "NotFound", $metadata: { httpStatusCode: 404 } }),
    );
    s3.on(CompleteMultipartUploadCommand).rejects(
      new NoSuchUpload({ message: "gone", $metadata: { httpStatusCode: 404 } }),
    );
    const res = await handler(
      event("POST", "/complete_multipart_upload", {
        body: { key: KEY, uploadId: "s3id", parts: [{ PartNumber: 1, ETag: "e" }] },
      }),
    );
    expect(res.statusCode).toBe(404);
    expect(parse(res).error).toBe("NOT_FOUND");
  });

  it("names parts when S3 refuses them, and refuses duplicates before calling S3", async () => {
    const { s3, handler } = setup();
    s3.on(CompleteMultipartUploadCommand).rejects(
      Object.assign(new Error("bad part"), { name: "InvalidPart", $metadata: { httpStatusCode: 400 } }),
    );
    const refused = await handler(
      event("POST", "/complete_multipart_upload", {
        body: { key: KEY, uploadId: "s3id", parts: [{ PartNumber: 1, ETag: "e" }] },
      }),
    );
    expect(refused.statusCode).toBe(400);
    expect(String(parse(refused).message)).toContain("parts");
    const duplicate = await handler(
      event("POST", "/complete_multipart_upload", {
        body: {
          key: KEY,
          uploadId: "s3id",
          parts: [
            { PartNumber: 1, ETag: "e" },
            { partNumber: 1, etag: "f" },
          ],
        },
      }),
    );
    expect(duplicate.statusCode).toBe(400);
    expect(String(parse(duplicate).message)).toContain("listed twice");
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(1);
  });
});
