import { S3Client } from "@aws-sdk/client-s3";
import { ENV } from "../contracts/handler-environment.js";
import { s3ClientOptions } from "../contracts/s3-client-options.js";
import { makeRenderHandler } from "./handler.js";

/**
 * The `render` Lambda entry. Reads its settings once; the S3 endpoint comes from AWS_ENDPOINT_URL_S3
 * when set (the local cloud), credentials and region from the standard chain.
 */
const config = Object.freeze({
  forcePathStyle: process.env[ENV.s3ForcePathStyle] === "true",
});

const s3 = new S3Client(s3ClientOptions({ forcePathStyle: config.forcePathStyle }));

export const handler = makeRenderHandler({ s3 });

export type { RenderHandler, RenderHandlerDeps } from "./handler.js";
export { makeRenderHandler } from "./handler.js";
