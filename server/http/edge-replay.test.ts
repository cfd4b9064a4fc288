/**
 * Replay through a real `ssh -R` tunnel: a logged request read back from the log and sent to the
 * app again, as the dashboard's "Send again" has the relay do. The app must get what the visitor
 * sent (less the credentials the log never keeps), the log a new row marked REPLAY with the app's
 * answer, and a request that cannot be sent as it was must be refused with the reason.
 */
import assert from "node:assert/strict";
import http, { type IncomingHttpHeaders } from "node:http";
import { after, before, test } from "node:test";
import type { Admission } from "../../lib/db.ts";
import { AppError } from "../../lib/errors.ts";
import { loadReplay, takePendingReplay } from "../../lib/request-logs/replay.ts";
import { setKeepBodies } from "../../lib/request-logs/settings.ts";
import { setAccessSettings, setAppHost } from "../../lib/sharing/service.ts";
import type { TestDatabase } from "../../lib/testing/db.ts";
import type { AccessGateHandle } from "../access/gate.ts";
import {
  createTestAccessGate,
  type EdgeFixture,
  type EdgeTestRelay,
  requestEdge,
  startDroppingApp,
  startEdgeFixture,
  startSshTunnel,
  TEST_DOMAIN,
  unusedPort,
  waitFor,
} from "./testing.ts";

const PASSWORD = "replay password 1";

let fixture: EdgeFixture;
let testDb: TestDatabase;
let relay: EdgeTestRelay;
let gate: AccessGateHandle;
let owner: string;

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
/** Every request the app received, in order. */
const seen: Seen[] = [];

before(async () => {
  fixture = await startEdgeFixture({
    database: "edgereplay",
    relayOptions: async (db) => {
      owner = (await db.user.create({ data: { email: "replay@example.com", passwordHash: "x" } })).id;
      for (const name of ["hook", "locked", "plain", "gone", "dead", "sleepy", "closed", "flaky"]) {
        await db.reservation.create({ data: { name, userId: owner } });
      }
      for (const name of ["hook", "locked", "sleepy", "closed"])
        await setKeepBodies(db, owner, name, { keep: true });
      for (const name of ["locked", "closed"]) {
        await setAccessSettings(db, owner, name, { mode: "PASSWORD", password: PASSWORD });
      }
      await setAppHost(db, owner, "locked", { host: "LOCALHOST" });
      gate = createTestAccessGate(db);
      return { access: gate, replayReadMs: 1_000 };
    },
    app: (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        seen.push({
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        if (req.url === "/stream") {
          // An event stream: the answer never ends on its own.
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.write("data: first\n\n");
          return;
        }
        res.writeHead(201, { "content-type": "text/plain", "x-app": "answered" });
        res.end(`answer #${seen.length}`);
      });
    },
    tunnels: ["hook", "locked", "plain"],
  });
  ({ testDb, relay } = fixture);
  // A tunnel whose local port has nothing listening.
  await fixture.openTunnel("dead", await unusedPort());
});

after(() => fixture?.close());

/** The single log row of `name` at `path` with this admission, once the writer has stored it. */
async function loggedRow(name: string, path: string, admission: Admission = "PUBLIC") {
  const where = { name, path, admission };
  await waitFor(
    async () => (await testDb.db.requestLog.count({ where })) === 1,
    `${admission} row of ${path}`,
  );
  return testDb.db.requestLog.findFirstOrThrow({ where, omit: { requestBody: false, responseBody: false } });
}

/** What the dashboard has the relay do: read the row back and send it. */
async function replay(name: string, id: bigint): Promise<void> {
  await relay.edge.replay(await loadReplay(testDb.db, name, String(id)));
}

async function refusal(name: string, id: bigint | string): Promise<AppError> {
  const error = await loadReplay(testDb.db, name, String(id)).then(
    () => assert.fail("the replay was not refused"),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof AppError, String(error));
  return error;
}

test("a replay sends the logged request to the app again and logs the answer as a Replay row", async () => {
  const body = JSON.stringify({ event: "push", ref: "refs/heads/main" });
  const original = await requestEdge(relay, {
    host: `hook.${TEST_DOMAIN}`,
    path: "/hooks/github?delivery=1",
    method: "POST",
    body,
    localAddress: "127.0.0.2",
    headers: { "content-type": "application/json", "x-github-event": "push", cookie: "sid=visitor-secret" },
  });
  assert.equal(original.status, 201);
  const row = await loggedRow("hook", "/hooks/github?delivery=1");
  const before = seen.length;

  await replay("hook", row.id);

  assert.equal(seen.length, before + 1, "the app got the request once more");
  const again = seen.at(-1)!;
  const first = seen[before - 1]!;
  assert.equal(again.method, "POST");
  assert.equal(again.url, "/hooks/github?delivery=1");
  assert.equal(again.body, body);
  assert.equal(again.headers["content-type"], "application/json");
  assert.equal(again.headers["x-github-event"], "push");
  assert.equal(again.headers["content-length"], String(Buffer.byteLength(body)));
  assert.equal(again.headers.host, `hook.${TEST_DOMAIN}`);
  // The visitor the app saw the first time, so its own logs line up.
  assert.equal(again.headers["x-forwarded-for"], "127.0.0.2");
  assert.equal(again.headers["x-forwarded-for"], first.headers["x-forwarded-for"]);
  // Never stored, so never sent again.
  assert.equal(first.headers.cookie, "sid=visitor-secret");
  assert.equal(again.headers.cookie, undefined);

  const replayed = await loggedRow("hook", "/hooks/github?delivery=1", "REPLAY");
  assert.equal(replayed.status, 201);
  assert.equal(replayed.error, null);
  assert.equal(replayed.replayOf, row.id, "the new row names the request it was sent from");
  assert.equal(row.replayOf, null);
  assert.equal(replayed.method, "POST");
  assert.equal(replayed.clientIp, "127.0.0.2");
  assert.equal(Number(replayed.bytesIn), Buffer.byteLength(body));
  assert.equal(Buffer.from(replayed.requestBody!).toString(), body);
  assert.equal(Buffer.from(replayed.responseBody!).toString(), `answer #${before + 1}`);
  assert.match(replayed.responseHeaders ?? "", /"x-app","answered"/);
  // The row shows the framing the app received, which the stored headers never carry.
  assert.match(
    replayed.requestHeaders ?? "",
    new RegExp(`\\["Content-Length","${Buffer.byteLength(body)}"\\]`),
  );
  assert.ok(
    relay.traces
      .get("hook")!
      .lines.some((line) => line.startsWith("POST (replay) /hooks/github?delivery=1 201")),
    "the ssh client's terminal shows it as a replay",
  );
});

test("a replay reaches a password-protected app without the password, with its Host: localhost", async () => {
  const basic = `Basic ${Buffer.from(`x:${PASSWORD}`).toString("base64")}`;
  const original = await requestEdge(relay, {
    host: `locked.${TEST_DOMAIN}`,
    path: "/private",
    headers: { authorization: basic, accept: "text/plain" },
  });
  assert.equal(original.status, 201);
  const row = await loggedRow("locked", "/private", "PASSWORD");
  const before = seen.length;

  await replay("locked", row.id);

  const again = seen.at(-1)!;
  assert.equal(seen.length, before + 1);
  assert.equal(again.url, "/private");
  assert.equal(again.headers.host, "localhost");
  assert.equal(again.headers["x-forwarded-host"], `locked.${TEST_DOMAIN}`);
  assert.equal(again.headers.accept, "text/plain");
  assert.equal(again.headers.authorization, undefined);
  const replayed = await loggedRow("locked", "/private", "REPLAY");
  assert.equal(replayed.status, 201);
});

test("what cannot be sent as it was is refused with the reason, and nothing reaches the app", async () => {
  const before = seen.length;
  // A body the log did not keep: the name keeps none.
  await requestEdge(relay, { host: `plain.${TEST_DOMAIN}`, path: "/form", method: "POST", body: "a=1" });
  const plain = await loggedRow("plain", "/form");
  assert.match((await refusal("plain", plain.id)).message, /body was not kept/);
  // A body longer than the part kept.
  const upload = "x".repeat(70 * 1024);
  await requestEdge(relay, { host: `hook.${TEST_DOMAIN}`, path: "/upload", method: "PUT", body: upload });
  const cut = await loggedRow("hook", "/upload");
  assert.match((await refusal("hook", cut.id)).message, /Only the start of its body was kept/);
  // Burrow's password page answered: the app never saw it.
  await requestEdge(relay, { host: `locked.${TEST_DOMAIN}`, path: "/asked" });
  const asked = await loggedRow("locked", "/asked", "DENIED");
  assert.equal(asked.accessPage, "password_asked");
  assert.match((await refusal("locked", asked.id)).message, /access page answered/);
  // A row of another name, and one that no longer exists.
  assert.equal((await refusal("plain", cut.id)).code, "not_found");
  await testDb.db.requestLog.delete({ where: { id: plain.id } });
  assert.equal((await refusal("plain", plain.id)).code, "not_found");
  assert.equal((await refusal("plain", "1; DROP TABLE request_logs")).code, "invalid_input");

  assert.equal(seen.length, before + 2, "only the two visitor requests that reached the app");
});

test("a replay that cannot be delivered is logged with why: offline, nothing listening, answer never ending", async () => {
  const headers = JSON.stringify([["Host", "x"]]);
  const rowOf = (name: string, path: string) =>
    testDb.db.requestLog.create({
      data: {
        name,
        method: "GET",
        path,
        status: 200,
        durationMs: 1,
        clientIp: "203.0.113.9",
        requestHeaders: headers,
      },
    });

  await replay("gone", (await rowOf("gone", "/offline")).id);
  const offline = await loggedRow("gone", "/offline", "REPLAY");
  assert.equal(offline.status, 503);
  assert.equal(offline.error, "tunnel_offline");

  await replay("dead", (await rowOf("dead", "/nobody")).id);
  const nobody = await loggedRow("dead", "/nobody", "REPLAY");
  assert.equal(nobody.status, 502);
  assert.equal(nobody.error, "local_unreachable");

  // An event stream would hold a channel for as long as the app keeps it open: read for a while.
  await replay("hook", (await rowOf("hook", "/stream")).id);
  const stream = await loggedRow("hook", "/stream", "REPLAY");
  assert.equal(stream.status, 200);
  assert.equal(stream.error, "replay_stopped");
  assert.equal(Number(stream.bytesOut), "data: first\n\n".length);
});

test("a post to an offline public name that keeps bodies is kept, and sent on once the tunnel is back", async () => {
  const body = JSON.stringify({ type: "invoice.paid", id: "evt_1" });
  // One keep-alive connection: a body read for the log must leave it usable for the next request.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const send = (path: string, payload: string) =>
      requestEdge(relay, {
        host: `sleepy.${TEST_DOMAIN}`,
        path,
        method: "POST",
        body: payload,
        agent,
        headers: { "content-type": "application/json" },
      });
    const first = await send("/hooks/big", "x".repeat(100 * 1024));
    assert.equal(first.status, 503);
    assert.equal(first.headers.connection, "keep-alive");
    assert.equal((await send("/hooks/stripe", body)).status, 503);
  } finally {
    agent.destroy();
  }
  const missed = await loggedRow("sleepy", "/hooks/stripe");
  assert.equal(missed.error, "tunnel_offline");
  assert.equal(Number(missed.bytesIn), Buffer.byteLength(body));
  assert.equal(Buffer.from(missed.requestBody!).toString(), body);
  // Over what the log keeps: answered as soon as that much arrived, and not offered for replay.
  const big = await loggedRow("sleepy", "/hooks/big");
  assert.equal(big.error, "tunnel_offline");
  assert.match((await refusal("sleepy", big.id)).message, /Only the start of its body was kept/);

  // A protected name checks no visitor while offline: a stranger's post is not kept.
  const guarded = await requestEdge(relay, {
    host: `closed.${TEST_DOMAIN}`,
    path: "/hooks/stripe",
    method: "POST",
    body,
  });
  assert.equal(guarded.status, 503);
  const notKept = await loggedRow("closed", "/hooks/stripe");
  assert.equal(notKept.requestBody, null);
  assert.match((await refusal("closed", notKept.id)).message, /body was not kept/);

  await fixture.openTunnel("sleepy");
  const before = seen.length;
  await replay("sleepy", missed.id);
  assert.equal(seen.length, before + 1);
  const delivered = seen.at(-1)!;
  assert.equal(delivered.method, "POST");
  assert.equal(delivered.url, "/hooks/stripe");
  assert.equal(delivered.body, body);
  assert.equal(delivered.headers["content-type"], "application/json");
  assert.equal((await loggedRow("sleepy", "/hooks/stripe", "REPLAY")).status, 201);
});

test("an edited request is sent as edited, and its row shows what was sent", async () => {
  const pending = await testDb.db.pendingReplay.create({
    data: {
      name: "hook",
      method: "PATCH",
      path: "/items/7?edited=1",
      headers: JSON.stringify([
        "Host",
        `hook.${TEST_DOMAIN}`,
        "Content-Type",
        "text/plain",
        "X-Edited",
        "yes",
      ]),
      body: Buffer.from("new text"),
      clientIp: "198.51.100.4",
      replayOf: 12345n,
    },
  });
  const before = seen.length;
  await relay.edge.replay(await takePendingReplay(testDb.db, "hook", String(pending.id)));
  assert.equal(seen.length, before + 1);
  const sent = seen.at(-1)!;
  assert.equal(sent.method, "PATCH");
  assert.equal(sent.url, "/items/7?edited=1");
  assert.equal(sent.body, "new text");
  assert.equal(sent.headers["x-edited"], "yes");
  assert.equal(sent.headers["content-length"], "8");
  assert.equal(sent.headers["x-forwarded-for"], "198.51.100.4");
  const row = await loggedRow("hook", "/items/7?edited=1", "REPLAY");
  assert.equal(row.method, "PATCH");
  assert.equal(row.status, 201);
  assert.equal(row.replayOf, 12345n, "an edit names the request it started from");
  assert.match(row.requestHeaders ?? "", /\["X-Edited","yes"\]/);
  assert.equal(Buffer.from(row.requestBody!).toString(), "new text");
});

test("a replay that meets a connection the app just dropped is sent once more on a fresh one", async () => {
  const flakySeen: string[] = [];
  const flaky = await startDroppingApp(flakySeen);
  const client = await startSshTunnel(relay, "flaky", flaky.port);
  try {
    assert.equal((await requestEdge(relay, { host: `flaky.${TEST_DOMAIN}`, path: "/page" })).status, 200);
    await replay("flaky", (await loggedRow("flaky", "/page")).id);
    const replayed = await loggedRow("flaky", "/page", "REPLAY");
    assert.equal(replayed.status, 200);
    assert.equal(replayed.error, null);
    assert.deepEqual(flakySeen, ["GET /page 1", "GET /page 2", "GET /page 1"]);
  } finally {
    await client.stop();
    await flaky.close();
  }
});
