/**
 * The edge inside the real relay (createRelay through server/testing/harness.ts): the SSH side's own
 * tunnels, sessions and log writer, with the real OpenSSH client.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { WebSocket, WebSocketServer } from "ws";
import { startTestRelay, type TestRelay, type TestUser } from "../testing/harness.ts";
import { type LocalApp, requestEdge, type SimpleResponse, startLocalApp, unusedPort } from "./testing.ts";

let harness: TestRelay;
let user: TestUser;
let app: LocalApp;

before(async () => {
  harness = await startTestRelay({}, { proxyDatabase: true });
  user = await harness.createUserWithKey();
  await harness.reserve(user, "edgeapp");
  app = await startLocalApp((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ url: req.url, xff: req.headers["x-forwarded-for"] }));
  });
  const wss = new WebSocketServer({ server: app.server, path: "/ws" });
  wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
  await harness.startSsh({ user, forwards: [`edgeapp:80:127.0.0.1:${app.port}`] });
});

after(async () => {
  await harness?.close();
  await app?.close();
});

/** GET `path` on the tunnel "edgeapp" through the relay's HTTP edge. */
function get(path: string, agent?: http.Agent): Promise<SimpleResponse> {
  return requestEdge(harness, { host: `edgeapp.localhost:${harness.httpPort}`, path, agent });
}

test("requests through the relay's own tunnels reuse channels and are logged with the session", async () => {
  const before = app.connections();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < 50; i++) {
      const res = await get(`/n/${i}`, agent);
      assert.equal(res.status, 200);
      assert.equal((JSON.parse(res.body) as { url: string }).url, `/n/${i}`);
    }
  } finally {
    agent.destroy();
  }
  assert.ok(app.connections() - before <= 2, `${app.connections() - before} app connections for 50 requests`);
  const session = await harness.waitFor(
    () => harness.db.tunnelSession.findFirst({ where: { name: "edgeapp", endedAt: null } }),
    "the tunnel session row",
  );
  await harness.waitFor(
    async () =>
      (await harness.db.requestLog.count({ where: { name: "edgeapp", sessionId: session.id } })) >= 50,
    "50 request log rows with the session id",
  );
});

test("WebSocket echo through the relay's own tunnels", async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${harness.httpPort}/ws`, {
    headers: { host: `edgeapp.localhost:${harness.httpPort}` },
  });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  const reply = new Promise<string>((resolve) =>
    ws.once("message", (data: Buffer) => resolve(data.toString())),
  );
  ws.send("ping through ssh");
  assert.equal(await reply, "ping through ssh");
  ws.close();
});

test("with the relay's database unreachable, requests still flow and their rows are written on recovery", async () => {
  const proxy = harness.databaseProxy!;
  proxy.cut();
  try {
    for (let i = 0; i < 5; i++) {
      const res = await get(`/during-outage/${i}`);
      assert.equal(res.status, 200);
    }
    // Long enough for the log writer's timed writes (every second) to fail at least once.
    await sleep(1_500);
  } finally {
    proxy.restore();
  }
  await harness.waitFor(
    async () =>
      (await harness.db.requestLog.count({
        where: { name: "edgeapp", path: { startsWith: "/during-outage/" } },
      })) === 5,
    "the rows kept during the outage",
    20_000,
  );
});

test("a forward to a port with nothing listening answers 502 through the real relay", async () => {
  await harness.reserve(user, "edgedead");
  await harness.startSsh({ user, forwards: [`edgedead:80:127.0.0.1:${await unusedPort()}`] });
  const res = await requestEdge(harness, { host: `edgedead.localhost:${harness.httpPort}` });
  assert.equal(res.status, 502);
  assert.match(res.body, /nothing answers on the local port/i);
});

test("with the database unreachable, a name with no live tunnel is answered 'offline', not 'no such tunnel'", async () => {
  const proxy = harness.databaseProxy!;
  proxy.cut();
  try {
    const res = await requestEdge(harness, { host: `maybe-reserved.localhost:${harness.httpPort}` });
    assert.equal(res.status, 503);
    assert.match(res.body, /Tunnel offline/);
  } finally {
    proxy.restore();
  }
});
