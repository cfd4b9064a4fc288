import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import http from "node:http";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { TestDatabase } from "../../lib/testing/db.ts";
import { TUNNEL_STATE_HEADER, WAIT_HEADER } from "./online-wait.ts";
import {
  type EdgeFixture,
  type EdgeTestRelay,
  requestEdge,
  startEdgeFixture,
  startEdgeTestRelay,
  startLocalApp,
  startSshTunnel,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

let fixture: EdgeFixture;
let testDb: TestDatabase;
let relay: EdgeTestRelay;
/** Waits held 300 ms, two at most: to see them run out and fill up. */
let small: EdgeTestRelay;
const appSaw: http.IncomingHttpHeaders[] = [];

before(async () => {
  fixture = await startEdgeFixture({
    database: "offlinewait",
    app: (req, res) => {
      appSaw.push(req.headers);
      res.end("the app");
    },
  });
  ({ testDb, relay } = fixture);
  const user = await testDb.db.user.create({ data: { email: "wait@example.com", passwordHash: "x" } });
  for (const name of ["napping", "dozing", "resting", "dropping"]) {
    await testDb.db.reservation.create({ data: { name, userId: user.id } });
  }
  small = await startEdgeTestRelay({ db: testDb.db, onlineWaits: { timeoutMs: 300, maxWaiting: 2 } });
});

after(async () => {
  await small?.close();
  await fixture?.close();
});

/** The offline page's question, as its script asks it; resolves with the relay's answer. */
function askWhenOnline(
  target: EdgeTestRelay,
  name: string,
  signal?: AbortSignal,
): Promise<{ status: number; state: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: target.httpPort,
        path: "/page?x=1",
        headers: { host: `${name}.${TEST_DOMAIN}`, [WAIT_HEADER]: "online" },
        agent: false,
        signal,
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            state: res.headers[TUNNEL_STATE_HEADER] as string | undefined,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Whether a promise is still pending after `ms`. */
async function stillPending(promise: Promise<unknown>, ms = 300): Promise<boolean> {
  const pending = Symbol("pending");
  return (await Promise.race([promise, sleep(ms, pending)])) === pending;
}

test("a browser's offline page waits for its tunnel and reloads: its script is allowed by hash, and only a GET's page has it", async () => {
  const page = await requestEdge(relay, { host: `napping.${TEST_DOMAIN}`, path: "/" });
  assert.equal(page.status, 503);
  assert.match(page.body, /Tunnel offline/);
  // Without scripts the page promises nothing: the script writes the sentence that it reloads.
  assert.match(page.body, /<p id="back" role="status">Try again later\.<\/p>/);
  const script = /<script>(.*)<\/script>/s.exec(page.body)?.[1];
  assert.ok(script, "the page has its script");
  assert.match(script, /reloads by itself as soon as it is back/);
  const hash = createHash("sha256").update(script).digest("base64");
  const csp = String(page.headers["content-security-policy"]);
  assert.match(csp, new RegExp(`script-src 'sha256-${hash.replace(/[+/]/g, "\\$&")}'`));
  assert.match(csp, /connect-src 'self'/);
  assert.match(csp, /default-src 'none'/);
  // A POST's page would send the form again on reload: no script.
  const posted = await requestEdge(relay, { host: `napping.${TEST_DOMAIN}`, method: "POST", body: "a=1" });
  assert.equal(posted.status, 503);
  assert.doesNotMatch(posted.body, /<script/);
  assert.doesNotMatch(String(posted.headers["content-security-policy"]), /script-src/);
});

test("a GET whose tunnel goes away while the app has it gets the page that waits; a POST's does not", async () => {
  let arrived = 0;
  // Holds every request: the tunnel is gone before any answer.
  const holding = await startLocalApp((req) => {
    arrived++;
    req.resume();
  });
  try {
    const tunnel = await startSshTunnel(relay, "dropping", holding.port);
    const get = requestEdge(relay, { host: `dropping.${TEST_DOMAIN}`, path: "/report" });
    const post = requestEdge(relay, { host: `dropping.${TEST_DOMAIN}`, method: "POST", body: "a=1" });
    await waitFor(async () => arrived === 2, "both requests at the app");
    await tunnel.stop();
    const [page, posted] = await Promise.all([get, post]);
    assert.equal(page.status, 503);
    assert.match(page.body, /Tunnel offline/);
    assert.match(page.body, /<script>/, "the GET's page waits for the tunnel");
    assert.match(String(page.headers["content-security-policy"]), /script-src 'sha256-/);
    assert.equal(posted.status, 503);
    assert.doesNotMatch(posted.body, /<script/);
  } finally {
    await holding.close();
  }
});

test("a wait is held until the tunnel connects, then answered 'online'; waits never reach the app or the log", async () => {
  await requestEdge(relay, { host: `napping.${TEST_DOMAIN}`, path: "/seen-offline" });
  const waiting = askWhenOnline(relay, "napping");
  assert.ok(await stillPending(waiting), "held while the tunnel is offline");
  await fixture.openTunnel("napping");
  assert.deepEqual(await waiting, { status: 204, state: "online" });
  // Online already: answered at once.
  assert.deepEqual(await askWhenOnline(relay, "napping"), { status: 204, state: "online" });
  assert.equal((await requestEdge(relay, { host: `napping.${TEST_DOMAIN}`, path: "/back" })).body, "the app");
  assert.ok(
    appSaw.every((headers) => headers[WAIT_HEADER] === undefined),
    "the app never sees a wait",
  );
  await waitFor(
    async () => (await testDb.db.requestLog.count({ where: { name: "napping", path: "/back" } })) === 1,
    "the request after the tunnel came back",
  );
  const paths = (
    await testDb.db.requestLog.findMany({ where: { name: "napping" }, select: { path: true } })
  ).map((row) => row.path);
  assert.ok(!paths.includes("/page?x=1"), `no wait in the log: ${paths.join(", ")}`);
});

test("a wait runs out as 'offline' (asked again at once); past the cap 'busy'; a visitor who leaves frees their place", async () => {
  const first = askWhenOnline(small, "dozing");
  const second = askWhenOnline(small, "dozing");
  await sleep(50);
  assert.deepEqual(await askWhenOnline(small, "resting"), { status: 204, state: "busy" });
  assert.deepEqual(await first, { status: 204, state: "offline" });
  assert.deepEqual(await second, { status: 204, state: "offline" });
  // One leaves while held: its place is free again, so two more are held, not refused.
  const leaving = new AbortController();
  const left = askWhenOnline(small, "dozing", leaving.signal).catch(() => "left");
  await sleep(50);
  leaving.abort();
  assert.equal(await left, "left");
  const third = askWhenOnline(small, "dozing");
  const fourth = askWhenOnline(small, "resting");
  assert.ok(await stillPending(Promise.race([third, fourth]), 150), "both held");
  assert.deepEqual(await third, { status: 204, state: "offline" });
  assert.deepEqual(await fourth, { status: 204, state: "offline" });
});

test("closing the relay answers held waits 'offline' rather than holding its drain", async () => {
  const other = await startEdgeTestRelay({ db: testDb.db });
  const waiting = askWhenOnline(other, "resting");
  assert.ok(await stillPending(waiting, 100));
  await other.close();
  assert.deepEqual(await waiting, { status: 204, state: "offline" });
});
