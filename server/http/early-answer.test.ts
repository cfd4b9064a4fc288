/**
 * An app that answers a request before reading its whole body (a 401 or 413 to a large upload, a
 * handler that ignores the body): the visitor gets the answer and its upload ends at once, as with
 * the app reached directly (Node's server reads and drops the rest), not after minutes of waiting.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { after, before, test } from "node:test";
import {
  type EdgeFixture,
  type EdgeTestRelay,
  startEdgeFixture,
  TEST_DOMAIN,
  unusedPort,
} from "./testing.ts";

const MiB = 1024 * 1024;
let fixture: EdgeFixture;
let relay: EdgeTestRelay;

before(async () => {
  fixture = await startEdgeFixture({
    database: "earlyanswer",
    app: (req, res) => {
      // Never reads the body.
      res.writeHead(req.url === "/too-big" ? 413 : 200, { "content-type": "text/plain" });
      res.end(`answered ${req.url}`);
    },
    tunnels: ["early"],
  });
  ({ relay } = fixture);
  // A tunnel whose local port has nothing listening: the relay answers 502 itself.
  await fixture.openTunnel("deadport", await unusedPort());
});

after(() => fixture?.close());

/**
 * Sends PUTs on one raw connection, as curl does: the whole body, whatever the answer says, each
 * write waiting for the last to be taken. Resolves with each answer's head line once its body is
 * sent and its answer has arrived.
 */
async function putAll(requests: { path: string; bytes: number; name?: string }[]): Promise<string[]> {
  const socket = net.connect(relay.httpPort, "127.0.0.1");
  socket.setEncoding("latin1");
  let received = "";
  socket.on("data", (chunk: string) => (received += chunk));
  const write = (data: Buffer | string) =>
    new Promise<void>((resolve, reject) =>
      socket.write(data, (error) => (error ? reject(error) : resolve())),
    );
  const heads: string[] = [];
  try {
    for (const { path, bytes, name = "early" } of requests) {
      const before = received.length;
      await write(`PUT ${path} HTTP/1.1\r\nHost: ${name}.${TEST_DOMAIN}\r\nContent-Length: ${bytes}\r\n\r\n`);
      const piece = Buffer.alloc(Math.min(bytes, MiB), 1);
      for (let sent = 0; sent < bytes; sent += piece.length) await write(piece);
      const answer = name === "early" ? `answered ${path}` : "\r\n\r\n";
      while (!received.slice(before).includes(answer)) {
        if (socket.destroyed) throw new Error(`connection closed; received ${JSON.stringify(received)}`);
        await once(socket, "data");
      }
      heads.push(received.slice(before).split("\r\n")[0]!);
    }
  } finally {
    socket.destroy();
  }
  return heads;
}

test("an app that answers before reading a large upload: the visitor's upload ends, the connection goes on", {
  timeout: 30_000,
}, async () => {
  const heads = await putAll([
    { path: "/too-big", bytes: 64 * MiB },
    // The same keep-alive connection serves the next request.
    { path: "/next", bytes: 1024 },
  ]);
  assert.deepEqual(heads, ["HTTP/1.1 413 Payload Too Large", "HTTP/1.1 200 OK"]);
});

test("the relay's own answer to an upload (nothing listens on the local port) ends the upload too", {
  timeout: 30_000,
}, async () => {
  const heads = await putAll([
    { name: "deadport", path: "/upload", bytes: 16 * MiB },
    { name: "early", path: "/after", bytes: 10 },
  ]);
  assert.deepEqual(heads, ["HTTP/1.1 502 Bad Gateway", "HTTP/1.1 200 OK"]);
});
