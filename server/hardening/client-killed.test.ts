import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";

let t: TestRelay;
before(async () => {
  t = await startTestRelay();
});
after(() => t.close());

/** A local app that streams a line every 20 ms for up to 20 s, chunked or with a (larger) length. */
async function startStreamingApp(framing: "chunked" | "length") {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, {
      "content-type": "text/plain",
      ...(framing === "length" ? { "content-length": 10_000_000 } : {}),
    });
    let n = 0;
    const timer = setInterval(() => {
      if (n++ >= 1_000) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(`line ${n}\n`);
    }, 20);
    res.on("close", () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Opens a raw visitor connection and GETs `path`; `received` grows with the raw response bytes. */
function rawGet(host: string, path: string) {
  const socket = net.connect(t.httpPort, "127.0.0.1");
  let received = "";
  socket.on("data", (chunk: Buffer) => {
    received += chunk.toString("latin1");
  });
  socket.on("error", () => {});
  const ended = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now())));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  return { socket, received: () => received, ended };
}

for (const framing of ["chunked", "length"] as const) {
  test(`kill -9 of the ssh client mid-response (${framing}): the visitor is cut promptly, never a complete-looking response; the name is free at once; the row says why`, async () => {
    const user = await t.createUserWithKey();
    const name = `killed-${framing}`;
    await t.reserve(user, name);
    const app = await startStreamingApp(framing);
    try {
      const ssh = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:${app.port}`] });
      assert.equal(ssh.state, "live", ssh.stderr());
      const sessionId = ssh.tunnels[0]!.sessionId;

      const visitor = rawGet(`${name}.localhost`, "/stream");
      await t.waitFor(() => visitor.received().includes("line 5\n"), "the response to be streaming");
      ssh.kill("SIGKILL");
      const killedAt = Date.now();

      // The client's TCP connection is closed by its kernel: the relay hears it at once.
      await t.waitFor(() => t.relay.registry.get(name) === undefined, "the name to leave routing", 1_000);
      const endedAt = await Promise.race([visitor.ended, sleep(3_000).then(() => Number.NaN)]);
      assert.ok(endedAt - killedAt < 2_000, "the visitor's connection was left hanging");

      const raw = visitor.received();
      const [head, body] = splitOnce(raw);
      assert.match(head, /^HTTP\/1\.1 200/);
      if (framing === "chunked") {
        assert.match(head, /transfer-encoding: chunked/i);
        assert.ok(!raw.endsWith("0\r\n\r\n"), "a terminating chunk claims the response was complete");
      } else {
        assert.match(head, /content-length: 10000000/i);
        assert.ok(body.length < 10_000_000, "the body cannot be complete");
      }

      const row = await t.waitFor(
        () => t.db.requestLog.findFirst({ where: { name, sessionId, path: "/stream" } }),
        "the request's log row",
      );
      assert.equal(row.status, 200);
      assert.equal(row.error, "upstream_aborted");

      // Nothing of the dead connection is left in the way: a new client serves the name at once.
      assert.equal(t.relay.registry.list().filter((tunnel) => tunnel.userId === user.id).length, 0);
      const echo = await t.startLocalApp();
      const again = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:${echo.port}`] });
      assert.equal(again.state, "live", again.stderr());
      const res = await t.fetchTunnel(name, "/after");
      assert.equal(res.json?.path, "/after");
      again.kill();
      await echo.close();
    } finally {
      await app.close();
    }
  });
}

function splitOnce(raw: string): [string, string] {
  const at = raw.indexOf("\r\n\r\n");
  return at < 0 ? [raw, ""] : [raw.slice(0, at), raw.slice(at + 4)];
}
