import S3rver from "s3rver";
import { BROWSER_CORS_XML } from "../function-url/bucket-cors.js";
import { makePutsAtomic } from "./atomic-puts.js";

/**
 * The S3-compatible server (s3rver) in its own process: s3rver encrypts ListObjectsV2 continuation
 * tokens with DES, which OpenSSL 3 only offers with `--openssl-legacy-provider`. Running it as a child
 * started with that flag keeps the flag out of every other process. Object events go to the parent
 * over IPC; the process exits when the parent goes away.
 */

interface StartMessage {
  type: "start";
  directory: string;
  bucket: string;
  port: number;
}

export type S3ProcessMessage =
  | { type: "ready"; port: number }
  | { type: "event"; event: unknown }
  | { type: "failed"; message: string };

function send(message: S3ProcessMessage): void {
  process.send?.(message);
}

process.once("message", async (message: StartMessage) => {
  try {
    const server = new S3rver({
      address: "127.0.0.1",
      port: message.port,
      directory: message.directory,
      silent: true,
      // The page uploads parts and players fetch segments from another origin (the api port).
      configureBuckets: [{ name: message.bucket, configs: [BROWSER_CORS_XML] }],
    });
    makePutsAtomic(server);
    server.on("event", (event: unknown) => send({ type: "event", event }));
    const address = (await server.run()) as { port: number };
    send({ type: "ready", port: address.port });
    const close = () => {
      void server.close().finally(() => process.exit(0));
    };
    process.on("disconnect", close);
    process.on("SIGTERM", close);
  } catch (err) {
    send({ type: "failed", message: (err as Error).message });
    process.exit(1);
  }
});
