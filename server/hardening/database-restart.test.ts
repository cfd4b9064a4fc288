import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type EmbeddedDatabase, freePort, startEmbeddedPostgres } from "../../lib/db/embedded.ts";
import { createLogger } from "../../lib/logger.ts";
import { RelayLockConflict } from "../control/relay-lock.ts";
import { loadOrCreateHostKey } from "../host-key.ts";
import { createRelay } from "../relay.ts";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";

/**
 * A real PostgreSQL restart (not a cut connection, as database-outage.test.ts does): the server
 * terminates every session ("terminating connection due to administrator command"), refuses
 * connections while it is down, and comes back on the same port. The relay's own server here, so
 * the restart touches no other test.
 */
let dataDir: string;
let port: number;
let server: EmbeddedDatabase;
let t: TestRelay;

before(async () => {
  dataDir = await mkdtemp(join(process.env.BURROW_TEST_SCRATCH ?? tmpdir(), "pg-restart-"));
  port = await freePort();
  server = await startEmbeddedPostgres({ dataDir, port });
  // The real access gate, as the relay runs it: a name's access state must not need the database.
  t = await startTestRelay({}, { databaseServerUrl: server.url, accessGate: {} });
});

after(async () => {
  await t?.close();
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test("PostgreSQL restarted under traffic: the tunnel never fails, newcomers hear 'try again', every request is logged", async () => {
  const user = await t.createUserWithKey();
  const newcomer = await t.createUserWithKey();
  await t.reserve(user, "through-restart");
  await t.reserve(newcomer, "while-down");
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`through-restart:80:127.0.0.1:${app.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());

  // Sequential visitors for the whole restart, each answer checked.
  let answered = 0;
  const failures: string[] = [];
  let visiting = true;
  const visitors = (async () => {
    while (visiting) {
      const res = await t.fetchTunnel("through-restart", `/visit/${answered}`).catch((error: Error) => error);
      if (res instanceof Error) failures.push(res.message);
      else if (res.status !== 200) failures.push(`HTTP ${res.status}: ${res.body.slice(0, 80)}`);
      else answered += 1;
      await sleep(5);
    }
  })();

  try {
    await t.waitFor(() => answered >= 20, "traffic before the restart");
    await server.stop();
    const downAt = answered;
    try {
      await t.waitFor(() => answered >= downAt + 20, "traffic while the database is down", 10_000);
      const refused = await t.startSsh({ user: newcomer, forwards: [`while-down:80:127.0.0.1:${app.port}`] });
      assert.equal(refused.state, "exited");
      assert.match(refused.stderr(), /Burrow cannot reach its database right now, try again in a moment/);
      // Down for more than the log writer's one-second interval: its writes fail and rows wait.
      await sleep(2_500);
    } finally {
      server = await startEmbeddedPostgres({ dataDir, port });
    }
    const upAt = answered;
    await t.waitFor(() => answered >= upAt + 20, "traffic after the restart");
  } finally {
    // Also when a step above fails: the loop would otherwise retry a closed relay forever.
    visiting = false;
    await visitors;
  }
  assert.deepEqual(failures, [], "a visitor of the live tunnel got an error");

  // Rows queued while the database was down are written once it is back: none lost.
  await t.waitFor(
    async () => (await t.db.requestLog.count({ where: { name: "through-restart" } })) === answered,
    `all ${answered} requests in the request log`,
    15_000,
  );

  const back = await t.startSsh({ user: newcomer, forwards: [`while-down:80:127.0.0.1:${app.port}`] });
  assert.equal(back.state, "live", back.stderr());
  back.kill();
  ssh.kill();
});

test("after the restart the relay holds its database again: a second relay on it is still refused", async () => {
  await t.waitFor(() => t.relay.controlListening, "the control channel to come back", 15_000);
  const hostKey = await loadOrCreateHostKey(t.config.BURROW_DATA_DIR);
  const second = createRelay({
    db: t.db,
    config: { ...t.config, BURROW_SSH_PORT: 0, BURROW_HTTP_PORT: 0 },
    hostKey: hostKey.privateKey,
    logger: createLogger({ silent: true }),
  });
  try {
    await assert.rejects(second.listen(), RelayLockConflict);
  } finally {
    await second.close();
  }
  assert.equal(t.relay.controlListening, true);
});
