import http from "node:http";
import type { AddressInfo } from "node:net";

// Same shape and size (~200 B) as the shared harness's GET /small.
const SMALL = Buffer.from(
  `${JSON.stringify({ ok: true, msg: "hello from origin", pad: "p".repeat(150) })}\n`,
);

/** A local app on 127.0.0.1 (ephemeral port) answering every request with the ~200 B body. */
export async function startSmallOrigin(): Promise<{ addr: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": SMALL.length });
    res.end(SMALL);
  });
  return serveOnLoopback(server);
}

/** Starts a bench app on 127.0.0.1 (ephemeral port): its address, and how to stop it. */
export async function serveOnLoopback(
  server: http.Server,
): Promise<{ addr: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    addr: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
