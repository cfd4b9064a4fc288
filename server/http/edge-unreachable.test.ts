/**
 * A tunnel whose local port has nothing on it (the app not started, or listening on another
 * address than the -R names): visitors get the relay's 502 page, and the owner is told once what
 * to check, in the ssh session and on the tunnel page, until the app answers.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type net from "node:net";
import { after, before, test } from "node:test";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import {
  type EdgeTestRelay,
  rawExchange,
  requestEdge,
  type SshTunnelClient,
  startEdgeTestRelay,
  startSshTunnel,
  TEST_DOMAIN,
  unusedPort,
  waitFor,
} from "./testing.ts";

let testDb: TestDatabase;
let relay: EdgeTestRelay;
let userId: string;
const tunnels: SshTunnelClient[] = [];
const servers: http.Server[] = [];
/** Session rows by tunnel name: the tunnel page shows the notice kept there. */
const sessions = new Map<string, string>();

before(async () => {
  testDb = await createTestDatabase("edgeunreachable");
  userId = (await testDb.db.user.create({ data: { email: "unreachable@example.com", passwordHash: "x" } }))
    .id;
  relay = await startEdgeTestRelay({ db: testDb.db });
});

after(async () => {
  for (const tunnel of tunnels) await tunnel.stop();
  for (const server of servers) server.close();
  await relay?.close();
  await testDb?.drop();
});

async function tunnelTo(name: string, port: number, localHost?: string): Promise<SshTunnelClient> {
  const session = await testDb.db.tunnelSession.create({ data: { name, userId, clientIp: "127.0.0.1" } });
  sessions.set(name, session.id);
  relay.sessionIds.set(name, session.id);
  const tunnel = await startSshTunnel(relay, name, port, localHost);
  tunnels.push(tunnel);
  return tunnel;
}

async function appOn(host: string, port = 0): Promise<number> {
  const server = http.createServer((req, res) => {
    if (req.url === "/crash") return void req.socket.destroy();
    res.statusCode = req.url === "/broken" ? 500 : 200;
    res.end("the app");
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return (server.address() as net.AddressInfo).port;
}

const visit = (name: string, path = "/") =>
  requestEdge(relay, { host: `${name}.${TEST_DOMAIN}:${relay.httpPort}`, path });
const told = (name: string) =>
  relay.traces.get(name)?.lines.filter((line) => line.includes("nothing answers on your local port")) ?? [];
const notice = async (name: string) =>
  (await testDb.db.tunnelSession.findUniqueOrThrow({ where: { id: sessions.get(name)! } })).notice;

test("nothing on the local port: the owner is told once what to check, until the app answers", async () => {
  const port = await unusedPort();
  await tunnelTo("notstarted", port);

  const first = await visit("notstarted");
  assert.equal(first.status, 502);
  assert.match(first.body, /Nothing answers on the local port/);
  await waitFor(() => told("notstarted").length === 1, "the owner is told");
  assert.match(
    told("notstarted")[0]!,
    /^notstarted: nothing answers on your local port, so visitors get an error page/,
  );
  assert.match(
    told("notstarted")[0]!,
    /"connect_to … failed"/,
    "points at ssh's own line naming the address",
  );
  await waitFor(
    async () => (await notice("notstarted")) === told("notstarted")[0],
    "the tunnel page shows it",
  );
  assert.equal((await visit("notstarted")).status, 502);
  assert.equal(told("notstarted").length, 1, "said once, not at every visit");

  // The owner starts the app: the advice leaves the tunnel page at its first answer.
  await appOn("127.0.0.1", port);
  const served = await visit("notstarted");
  assert.equal(served.status, 200);
  assert.equal(served.body, "the app");
  await waitFor(async () => (await notice("notstarted")) === null, "the notice is taken away");

  // It stops again: told again.
  const server = servers.pop()!;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.equal((await visit("notstarted")).status, 502);
  await waitFor(() => told("notstarted").length === 2, "told again once it is unreachable again");
});

test("a WebSocket to nothing on the local port gets the same page and the same advice", async () => {
  await tunnelTo("wsdown", await unusedPort());
  const answer = await rawExchange(
    relay.httpPort,
    `GET /socket HTTP/1.1\r\nHost: wsdown.${TEST_DOMAIN}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
  );
  assert.match(answer, /^HTTP\/1\.1 502 /);
  await waitFor(() => told("wsdown").length === 1, "the owner is told");
});

test("an app listening only on IPv6 ::1 behind -R …:127.0.0.1: the advice names it, and [::1] as it says reaches the app", async () => {
  const port = await appOn("::1");
  const wrong = await tunnelTo("ipv6only", port, "127.0.0.1");
  assert.equal((await visit("ipv6only")).status, 502);
  await waitFor(() => told("ipv6only").length === 1, "the owner is told");
  const advice = told("ipv6only")[0]!;
  assert.match(advice, /listening only on IPv6 \(::1/);
  assert.match(
    advice,
    /use -R ipv6only:80:\[::1\]:<port> \(or localhost, where ssh tries each address it has\)\./,
  );

  await wrong.stop();
  await waitFor(() => !relay.registry.get("ipv6only"), "the first tunnel is gone");
  await tunnelTo("ipv6only", port, "[::1]");
  const served = await visit("ipv6only");
  assert.equal(served.status, 200);
  assert.equal(served.body, "the app");
});

test("an app that answers, even with a 500 or by hanging up, is no reason to tell the owner anything", async () => {
  const port = await appOn("127.0.0.1");
  await tunnelTo("answering", port);
  assert.equal((await visit("answering", "/broken")).status, 500);
  // It took the connection and closed it: it is running where the -R says, the advice would mislead.
  assert.equal((await visit("answering", "/crash")).status, 502);
  assert.equal((await visit("answering")).status, 200);
  assert.deepEqual(told("answering"), []);
  assert.equal(await notice("answering"), null);
});

test("an app that crashes on one request: the visitor, the log and the owner hear that it closed the connection, not that nothing answers", async () => {
  const port = await appOn("127.0.0.1");
  await tunnelTo("crashing", port);
  assert.equal((await visit("crashing", "/ok")).status, 200);
  const crashed = await visit("crashing", "/crash");
  assert.equal(crashed.status, 502);
  assert.match(crashed.body, /Your app closed the connection without answering/);
  assert.doesNotMatch(crashed.body, /Nothing answers|check that your app is running/);
  await waitFor(
    async () => (await testDb.db.requestLog.count({ where: { name: "crashing", path: "/crash" } })) === 1,
    "the /crash row",
  );
  const row = await testDb.db.requestLog.findFirstOrThrow({ where: { name: "crashing", path: "/crash" } });
  assert.equal(row.error, "local_closed");
  // The owner's own line for it says the same.
  const lines = relay.traces.get("crashing")?.lines ?? [];
  assert.ok(
    lines.some((line) => /GET \/crash 502 .*your app closed the connection without answering/.test(line)),
    lines.join("\n"),
  );
  assert.deepEqual(told("crashing"), [], "no advice to check that the app runs");
  assert.equal(await notice("crashing"), null);
});
