/**
 * Requests the tunnel's app has not answered yet, against a real relay and ssh client: in the log
 * while they wait (written open, status 0), and completed in place, one row, however they end.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import { parseStoredHeaders } from "../../lib/request-logs/headers.ts";
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
/** Writes open what is still under way after 300 ms (BURROW_LOG_WAITING_AFTER_SECONDS defaults to 10 s). */
let relay: EdgeTestRelay;
let app: LocalApp;
/** Requests the app holds unanswered (those to /hold/…), by path. */
const held = new Map<string, http.ServerResponse>();

before(async () => {
  fixture = await startEdgeFixture({
    database: "waitingrequests",
    relayOptions: { longResponseMs: 300 },
    app: (req, res) => {
      const path = req.url ?? "/";
      if (!path.startsWith("/hold/")) {
        res.end("quick");
        return;
      }
      held.set(path, res);
    },
  });
  ({ testDb, relay, app } = fixture);
});

after(() => fixture?.close());

/** A GET of `path` the app will hold; resolves with what the visitor got, or its error's code. */
function visit(
  name: string,
  path: string,
): { answer: Promise<{ status: number; body: string } | string>; req: http.ClientRequest } {
  let req!: http.ClientRequest;
  const answer = new Promise<{ status: number; body: string } | string>((resolve) => {
    req = http.get(
      {
        host: "127.0.0.1",
        port: relay.httpPort,
        path,
        headers: { host: `${name}.${TEST_DOMAIN}` },
        setHost: false,
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
  return { answer, req };
}

/** The response the app holds for `path`, once the request has reached it. */
async function appHolds(path: string): Promise<http.ServerResponse> {
  await waitFor(async () => held.has(path), `the app to get ${path}`);
  return held.get(path)!;
}

async function rowOf(name: string, path: string) {
  const rows = await testDb.db.requestLog.findMany({ where: { name, path } });
  assert.ok(rows.length <= 1, `one row for ${path}, not ${rows.length}`);
  return rows[0];
}

test("a request the app holds is in the log while it waits, and its row is completed in place by the answer", async () => {
  const name = "hung";
  const tunnel = await startSshTunnel(relay, name, app.port);
  try {
    const { answer } = visit(name, "/hold/report");
    const respond = await appHolds("/hold/report");
    // A quick request meanwhile is written once, closed, as always.
    assert.equal(
      (await requestEdge(relay, { host: `${name}.${TEST_DOMAIN}`, path: "/quick" })).body,
      "quick",
    );

    await waitFor(async () => (await rowOf(name, "/hold/report")) !== undefined, "the waiting request's row");
    const waiting = (await rowOf(name, "/hold/report"))!;
    assert.equal(waiting.open, true, "in the log while it waits");
    assert.equal(waiting.status, 0, "no answer yet");
    assert.equal(waiting.error, null);
    await waitFor(async () => (await rowOf(name, "/quick")) !== undefined, "the quick request's row");
    assert.equal((await rowOf(name, "/quick"))!.open, false);

    respond.writeHead(201, { "x-report": "ready" }).end("the report");
    assert.deepEqual(await answer, { status: 201, body: "the report" });
    await waitFor(async () => (await rowOf(name, "/hold/report"))?.open === false, "the row to be completed");
    const done = (await rowOf(name, "/hold/report"))!;
    assert.equal(done.id, waiting.id, "the same row");
    assert.equal(done.status, 201);
    assert.equal(done.error, null);
    assert.equal(done.bytesOut, BigInt("the report".length));
    assert.ok(done.durationMs >= 300, "its time counts the wait");
    assert.ok(
      parseStoredHeaders(done.responseHeaders)?.some(
        ([header, value]) => header === "x-report" && value === "ready",
      ),
      "with the app's response headers",
    );
  } finally {
    await tunnel.stop();
  }
});

test("a row written while waiting says the answer's status as soon as it starts (an event stream, still open)", async () => {
  const name = "late-stream";
  const tunnel = await startSshTunnel(relay, name, app.port);
  try {
    const { req } = visit(name, "/hold/events");
    const respond = await appHolds("/hold/events");
    await waitFor(async () => (await rowOf(name, "/hold/events"))?.status === 0, "the waiting row");
    respond.writeHead(200, { "content-type": "text/event-stream" }).write("data: hi\n\n");
    await waitFor(async () => (await rowOf(name, "/hold/events"))?.status === 200, "the answer's status");
    assert.equal((await rowOf(name, "/hold/events"))!.open, true, "still open: the stream goes on");
    respond.end();
    await waitFor(async () => (await rowOf(name, "/hold/events"))?.open === false, "the stream's end");
    req.destroy();
  } finally {
    await tunnel.stop();
  }
});

test("a waiting request whose visitor gives up, or whose tunnel drops, has its row completed with what happened", async () => {
  const name = "given-up";
  const tunnel = await startSshTunnel(relay, name, app.port);
  try {
    const { req, answer } = visit(name, "/hold/left");
    await appHolds("/hold/left");
    await waitFor(async () => (await rowOf(name, "/hold/left"))?.open === true, "the waiting row");
    req.destroy();
    await answer;
    await waitFor(async () => (await rowOf(name, "/hold/left"))?.open === false, "the row to be completed");
    const left = (await rowOf(name, "/hold/left"))!;
    assert.equal(left.error, "client_aborted", "the visitor went away");
    assert.equal(left.status, 499);

    const dropped = visit(name, "/hold/dropped");
    await appHolds("/hold/dropped");
    await waitFor(async () => (await rowOf(name, "/hold/dropped"))?.open === true, "the waiting row");
    await tunnel.stop();
    const got = await dropped.answer;
    await waitFor(
      async () => (await rowOf(name, "/hold/dropped"))?.open === false,
      "the row to be completed",
    );
    const row = (await rowOf(name, "/hold/dropped"))!;
    assert.notEqual(row.error, null, `says what happened (${row.error})`);
    assert.notEqual(row.status, 0);
    if (typeof got !== "string") assert.equal(row.status, got.status, "the status the visitor got");
  } finally {
    await tunnel.stop();
  }
});
