import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoopbackListener {
  /** `http://<host>:<port>` */
  readonly endpoint: string;
  /** Stops accepting, drops kept-alive connections and resolves when the server has closed. */
  close(): Promise<void>;
}

/** Every local-cloud server listens the same way: loopback only, an ephemeral port unless one is given. */
export async function listenOnLoopback(
  server: Server,
  port = 0,
  host = "127.0.0.1",
): Promise<LoopbackListener> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Closing twice is harmless (the local cloud's stop paths may overlap).
        server.close((err) =>
          err && (err as NodeJS.ErrnoException).code !== "ERR_SERVER_NOT_RUNNING" ? reject(err) : resolve(),
        );
        server.closeAllConnections();
      }),
  };
}
