import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { sendRelayCommand } from "../../lib/relay-control.ts";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";

/** The access gate's cache TTL here: the outage below outlasts it, as any real outage would. */
const ACCESS_TTL_MS = 200;

let t: TestRelay;
before(async () => {
  t = await startTestRelay(
    {},
    { proxyDatabase: true, accessGate: { cacheTtlMs: ACCESS_TTL_MS, notifiedCacheTtlMs: ACCESS_TTL_MS } },
  );
});
after(() => t.close());

test("database outage: live tunnels keep serving, new connections hear why, session ends are saved later", async () => {
  const user = await t.createUserWithKey();
  const newcomer = await t.createUserWithKey();
  await t.reserve(user, "steady");
  await t.reserve(newcomer, "latecomer");
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`steady:80:127.0.0.1:${app.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());
  const tunnel = ssh.tunnels[0]!;
  assert.equal((await t.fetchTunnel("steady", "/warm")).status, 200);

  t.databaseProxy!.cut();
  try {
    // Past the access cache's TTL: the gate cannot reload the name's state and uses what it knew.
    await sleep(ACCESS_TTL_MS * 2);
    for (const path of ["/during-outage", "/still-during-outage"]) {
      const started = Date.now();
      const during = await t.fetchTunnel("steady", path);
      assert.equal(during.status, 200, during.body);
      assert.equal(during.json?.path, path);
      assert.ok(Date.now() - started < 2_000, "the request path does not wait for the database");
    }

    const refused = await t.startSsh({ user: newcomer, forwards: [`latecomer:80:127.0.0.1:${app.port}`] });
    assert.equal(refused.state, "exited");
    assert.notEqual(refused.exitCode(), 0);
    assert.match(refused.stderr(), /Burrow cannot reach its database right now, try again in a moment/);

    // The client leaves during the outage: routing forgets it at once, the row waits for the database.
    ssh.kill("SIGKILL");
    await t.waitFor(() => t.relay.registry.get("steady") === undefined, "the tunnel to leave routing", 1_000);
    const stillOpen = await t.db.tunnelSession.findUniqueOrThrow({ where: { id: tunnel.sessionId } });
    assert.equal(stillOpen.endedAt, null);
  } finally {
    t.databaseProxy!.restore();
  }

  const row = await t.waitFor(
    async () => {
      const r = await t.db.tunnelSession.findUniqueOrThrow({ where: { id: tunnel.sessionId } });
      return r.endedAt ? r : undefined;
    },
    "the session end to be retried",
    15_000,
  );
  assert.equal(row.endReason, "client_closed");
  assert.equal(row.requests, 3);

  // And the relay accepts connections again.
  const back = await t.startSsh({ user: newcomer, forwards: [`latecomer:80:127.0.0.1:${app.port}`] });
  assert.equal(back.state, "live", back.stderr());
  back.kill();
});

test("the control channel listener reconnects after the database comes back", async () => {
  const user = await t.createUserWithKey();
  await t.reserve(user, "relisten");
  await t.waitFor(() => t.relay.controlListening, "the control channel");
  t.databaseProxy!.cut();
  try {
    await t.waitFor(() => !t.relay.controlListening, "the listener to notice the outage", 5_000);
  } finally {
    t.databaseProxy!.restore();
  }
  await t.waitFor(() => t.relay.controlListening, "the listener to reconnect", 15_000);

  const ssh = await t.startSsh({ user, forwards: ["relisten:80:127.0.0.1:9"] });
  assert.equal(ssh.state, "live", ssh.stderr());
  await sendRelayCommand(t.db, { type: "disconnect", name: "relisten" });
  await t.waitFor(() => t.relay.registry.get("relisten") === undefined, "the disconnect", 1_000);
});

test("a database that stops answering: new connections hear so within seconds, not that it is unreachable", async () => {
  const user = await t.createUserWithKey();
  await t.reserve(user, "hung-db");
  t.databaseProxy!.hang();
  try {
    const started = Date.now();
    const refused = await t.startSsh({ user, forwards: ["hung-db:80:127.0.0.1:9"] });
    assert.equal(refused.state, "exited");
    assert.match(
      refused.stderr(),
      /Burrow's database is not answering in time right now, try again in a moment/,
    );
    assert.ok(Date.now() - started < 10_000, "the client is not left hanging");
  } finally {
    t.databaseProxy!.restore();
  }
  const back = await t.startSsh({ user, forwards: ["hung-db:80:127.0.0.1:9"] });
  assert.equal(back.state, "live", back.stderr());
  back.kill();
});
