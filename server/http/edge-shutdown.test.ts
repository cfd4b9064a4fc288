import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { after, before, test } from "node:test";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import {
  type LocalApp,
  requestEdge,
  startEdgeTestRelay,
  startLocalApp,
  startSshTunnel,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

let testDb: TestDatabase;
let app: LocalApp;
let slowArrived = 0;

before(async () => {
  testDb = await createTestDatabase("edgeshut");
  app = await startLocalApp((req, res) => {
    // Answers far later than the relay waits when it shuts down.
    if (req.url === "/slow") {
      slowArrived += 1;
      return void setTimeout(() => res.end("late"), 20_000).unref();
    }
    // An event stream that never ends on its own.
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("data: hello\n\n");
  });
});

after(async () => {
  await app?.close();
  await testDb?.drop();
});

test("an event stream the relay cuts as it shuts down is logged as the relay's doing, not the visitor's", async () => {
  const relay = await startEdgeTestRelay({ db: testDb.db, drainTimeoutMs: 200 });
  const client = await startSshTunnel(relay, "stream", app.port);
  try {
    const cut = new Promise<void>((resolve, reject) => {
      const req = http.get({
        host: "127.0.0.1",
        port: relay.httpPort,
        path: "/events",
        headers: { host: `stream.${TEST_DOMAIN}` },
        setHost: false,
      });
      req.on("response", (res) => {
        res.once("data", () => void relay.edge.close());
        res.on("error", () => resolve()).on("end", () => resolve());
      });
      req.on("error", () => resolve());
      setTimeout(() => reject(new Error("the stream was never cut")), 10_000).unref();
    });
    await cut;
    // close() waits for the log writer, so the row's end is written by now.
    await relay.edge.close();
    const row = await testDb.db.requestLog.findFirstOrThrow({ where: { name: "stream", path: "/events" } });
    assert.equal(row.status, 200);
    assert.equal(row.error, "relay_shutdown");
    assert.equal(row.open, false);
  } finally {
    await client.stop();
    await relay.close();
  }
});

test("a request still waiting for its app when the relay stops gets the restarting page (503), not an empty reply", async () => {
  const relay = await startEdgeTestRelay({ db: testDb.db, drainTimeoutMs: 300 });
  const client = await startSshTunnel(relay, "slowpoke", app.port);
  try {
    const answer = requestEdge(relay, { host: `slowpoke.${TEST_DOMAIN}`, path: "/slow" });
    await waitFor(() => slowArrived === 1, "the request to reach the app");
    await relay.edge.close();
    const res = await answer;
    assert.equal(res.status, 503);
    assert.match(res.body, /The relay is restarting\. Try again in a moment\./);
    assert.equal(res.headers["retry-after"], "5");
    const row = await testDb.db.requestLog.findFirstOrThrow({ where: { name: "slowpoke", path: "/slow" } });
    assert.deepEqual([row.status, row.error], [503, "relay_shutdown"]);
  } finally {
    await client.stop();
    await relay.close();
  }
});

test("a visitor gone with a pipelined request queued behind an unfinished answer does not hold up the relay's stop", async () => {
  const relay = await startEdgeTestRelay({ db: testDb.db, drainTimeoutMs: 300 });
  const client = await startSshTunnel(relay, "pipeline", app.port);
  try {
    const before = slowArrived;
    const visitor = net.connect(relay.httpPort, "127.0.0.1");
    visitor.on("error", () => {});
    const request = `GET /slow HTTP/1.1\r\nHost: pipeline.${TEST_DOMAIN}\r\n\r\n`;
    visitor.write(request + request);
    await waitFor(() => slowArrived === before + 2, "both requests to reach the app");
    // The second answer waits behind the first, which never comes: the visitor gives up.
    visitor.destroy();
    const stopped = await Promise.race([
      relay.edge.close().then(() => "stopped"),
      new Promise((resolve) => setTimeout(() => resolve("still stopping after 5 s"), 5_000).unref()),
    ]);
    assert.equal(stopped, "stopped");
  } finally {
    await client.stop();
    await relay.close();
  }
});
