import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { createLogger } from "../../lib/logger.ts";
import { loadOrCreateHostKey } from "../host-key.ts";
import { createRelay, type Relay } from "../relay.ts";
import { startTestRelay } from "../testing/harness.ts";
import { type Child, freePort, startBurrowConnect } from "./process.ts";

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

test("relay restarted on the same ports: burrow-connect reconnects by itself and the tunnel serves again within seconds, a random name under the same name", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "burrow-restart-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const sshPort = await freePort();
  const httpPort = await freePort();
  const t = await startTestRelay({
    BURROW_SSH_PORT: String(sshPort),
    BURROW_HTTP_PORT: String(httpPort),
    BURROW_DATA_DIR: dataDir,
  });
  cleanups.push(() => t.close());
  const user = await t.createUserWithKey();
  await t.reserve(user, "comeback");
  const app = await t.startLocalApp();

  const burrowConnect = (name?: string): Child => {
    // Its random name is kept for the next run in the test's own directory.
    const child = startBurrowConnect({
      sshPort,
      keyPath: user.keyPath,
      localPort: app.port,
      name,
      stateDir: dataDir,
    });
    cleanups.push(() => child.kill());
    return child;
  };
  const connect = burrowConnect("comeback");
  // Without a name: the relay picks one, and the link that went out must survive the restart too.
  const connectRandom = burrowConnect();
  await t.waitFor(() => t.relay.registry.get("comeback"), "the first tunnel", 15_000);
  assert.equal((await t.fetchTunnel("comeback", "/first")).json?.path, "/first");
  await connectRandom.waitForOutput(/Forwarding http:\/\/[a-z0-9]+\./, 15_000);
  const randomName = /Forwarding http:\/\/([a-z0-9]+)\./.exec(connectRandom.output())![1]!;
  assert.equal((await t.fetchTunnel(randomName, "/first")).status, 200);

  await t.relay.close();
  assert.equal(t.relay.registry.size, 0);
  await connect.waitForOutput(/reconnecting in/, 10_000);
  await connectRandom.waitForOutput(/reconnecting in/, 10_000);

  // A new relay process would do the same: same ports, data dir (host key) and database.
  const hostKey = await loadOrCreateHostKey(dataDir);
  const second: Relay = createRelay({
    db: t.db,
    config: t.config,
    hostKey: hostKey.privateKey,
    logger: createLogger({ silent: !process.env.BURROW_TEST_VERBOSE }),
  });
  cleanups.push(() => second.close());
  const restartedAt = Date.now();
  assert.deepEqual(await second.listen(), { sshPort, httpPort });

  await t.waitFor(() => second.registry.get("comeback"), "burrow-connect to reconnect", 20_000);
  const res = await t.fetchTunnel("comeback", "/again");
  assert.equal(res.status, 200);
  assert.equal(res.json?.path, "/again");
  assert.ok(Date.now() - restartedAt < 20_000);
  await t.waitFor(
    () => second.registry.get(randomName),
    "burrow-connect to reconnect to its random name",
    20_000,
  );
  assert.equal((await t.fetchTunnel(randomName, "/again")).json?.path, "/again");
  assert.equal(connect.child.exitCode, null, "burrow-connect is still running");
  assert.equal(await connect.stop(), 0, connect.output());
  assert.equal(await connectRandom.stop(), 0, connectRandom.output());
});
