import http from "node:http";
import { serveOnLoopback } from "./small-origin.ts";

/** Bytes of GET /large, as the shared harness's origin serves them. */
export const LARGE_BYTES = 64 * 1024 * 1024;
const CHUNK = Buffer.alloc(256 * 1024, "x");

/**
 * A local app on 127.0.0.1 (ephemeral port) shaped like the shared harness's origin for transfers:
 * GET /large streams 64 MiB in 256 KiB writes (Content-Length set), POST /upload answers the byte
 * count it read, GET /small a few bytes (to see that the tunnel serves).
 */
export async function startLargeOrigin(): Promise<{ addr: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/large") {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": LARGE_BYTES });
      let left = LARGE_BYTES;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, CHUNK.length);
          left -= n;
          if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      res.on("close", () => {
        left = 0;
      });
      pump();
    } else if (req.method === "POST" && req.url === "/upload") {
      let bytes = 0;
      req.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      req.on("end", () => res.end(String(bytes)));
    } else {
      res.end("ok\n");
    }
  });
  return serveOnLoopback(server);
}
