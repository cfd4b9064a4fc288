/**
 * Event streams (a browser's EventSource) to a name whose tunnel is down, against a real relay and
 * ssh client: held until the tunnel is back and then proxied; dropped without an answer when it
 * does not come back in time, so the EventSource retries instead of stopping for good on a 503.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { TestDatabase } from "../../lib/testing/db.ts";
import {
  type EdgeFixture,
  type EdgeTestRelay,
  type LocalApp,
  requestEdge,
  startEdgeFixture,
  startSshTunnel,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

let fixture: EdgeFixture;
let testDb: TestDatabase;
/** Waits held 3 s, three at most. */
let relay: EdgeTestRelay;
let app: LocalApp;

before(async () => {
  fixture = await startEdgeFixture({
    database: "offlinestream",
    relayOptions: { onlineWaits: { timeoutMs: 3_000, maxWaiting: 3 } },
    app: (req, res) => {
      if (req.headers.accept !== "text/event-stream") {
        res.end("the app");
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
      res.end(`data: hello ${req.url}\n\n`);
    },
  });
  ({ testDb, relay, app } = fixture);
  const user = await testDb.db.user.create({ data: { email: "stream@example.com", passwordHash: "x" } });
  for (const name of ["streaming", "gone"]) {
    await testDb.db.reservation.create({ data: { name, userId: user.id } });
  }
});

after(() => fixture?.close());

/** What an EventSource sends; resolves with the answer, or with the error when there was none. */
function openStream(
  name: string,
  path = "/events",
): Promise<{ status: number; body: string; at: number } | { error: string; at: number }> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: relay.httpPort,
        path,
        headers: { host: `${name}.${TEST_DOMAIN}`, accept: "text/event-stream", "cache-control": "no-cache" },
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, at: Date.now() }));
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message, at: Date.now() }),
    );
    req.end();
  });
}

test("an event stream sent while the tunnel is down is answered by the app once ssh reconnects", async () => {
  const first = await startSshTunnel(relay, "streaming", app.port);
  await first.stop();
  // The relay has let the tunnel go once a page says offline.
  for (let i = 0; i < 50; i++) {
    if ((await requestEdge(relay, { host: `streaming.${TEST_DOMAIN}` })).status === 503) break;
    await sleep(100);
  }
  const page = await requestEdge(relay, { host: `streaming.${TEST_DOMAIN}` });
  assert.equal(page.status, 503, "a page still gets the offline page at once");

  const sent = Date.now();
  const stream = openStream("streaming", "/events?n=1");
  await sleep(500);
  const back = Date.now();
  await fixture.openTunnel("streaming");
  const answer = await stream;
  assert.ok("status" in answer, `answered, not dropped (${"error" in answer ? answer.error : ""})`);
  assert.equal(answer.status, 200);
  assert.equal(answer.body, "data: hello /events?n=1\n\n");
  assert.ok(answer.at - sent < 3_000, "answered when the tunnel came back, not when the wait ran out");

  // One row, from when the visitor asked: its time counts the wait.
  const where = { name: "streaming", path: "/events?n=1" };
  await waitFor(
    async () => (await testDb.db.requestLog.count({ where: { ...where, open: false } })) === 1,
    "the stream's row",
  );
  const row = await testDb.db.requestLog.findFirstOrThrow({ where });
  assert.equal(row.status, 200);
  assert.ok(row.at.getTime() < back, "logged from its arrival, before the tunnel came back");
  assert.equal(await testDb.db.requestLog.count({ where }), 1);
});

test("an event stream to a name that stays down is dropped without an answer after the wait", async () => {
  const sent = Date.now();
  const answer = await openStream("gone");
  assert.ok("error" in answer, "no 503 (an EventSource would stop for good): a network error");
  assert.ok(answer.at - sent >= 2_500, `held for the wait first (${answer.at - sent} ms)`);

  // Past the cap on waits, streams are dropped at once.
  const held = [openStream("gone"), openStream("gone"), openStream("gone")];
  await sleep(200);
  const over = Date.now();
  const busy = await openStream("gone");
  assert.ok("error" in busy);
  assert.ok(busy.at - over < 1_000, "dropped at once when too many wait");
  await Promise.all(held);

  // Each left a row saying what its visitor saw: held, then dropped without an answer.
  const where = { name: "gone", path: "/events" };
  await waitFor(async () => (await testDb.db.requestLog.count({ where })) === 5, "a row for each stream");
  const rows = await testDb.db.requestLog.findMany({ where, orderBy: { id: "asc" } });
  assert.deepEqual(
    rows.map((r) => [r.status, r.error]),
    Array(5).fill([444, "stream_dropped"]),
  );
  assert.ok(rows[0]!.durationMs >= 2_500, "the first was held for the whole wait");
});

test("an event stream whose visitor leaves while it is held is logged as the visitor leaving", async () => {
  const controller = new AbortController();
  const req = http.get(
    {
      host: "127.0.0.1",
      port: relay.httpPort,
      path: "/events?left",
      headers: { host: `gone.${TEST_DOMAIN}`, accept: "text/event-stream" },
      agent: false,
      signal: controller.signal,
    },
    () => {},
  );
  req.on("error", () => {});
  await sleep(300);
  controller.abort();
  const where = { name: "gone", path: "/events?left" };
  await waitFor(async () => (await testDb.db.requestLog.count({ where })) === 1, "the stream's row");
  const row = await testDb.db.requestLog.findFirstOrThrow({ where });
  assert.deepEqual([row.status, row.error], [499, "client_aborted"]);
});
