import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createLogger } from "../../lib/logger.ts";
import { ControlListener } from "../control/control-listener.ts";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";

let t: TestRelay;
before(async () => {
  t = await startTestRelay({}, { proxyDatabase: true });
});
after(() => t.close());

test("a relay whose database another relay took during an outage keeps its tunnels but refuses new forwards, saying why, until it has it back", async () => {
  const owner = await t.createUserWithKey();
  const newcomer = await t.createUserWithKey();
  await t.reserve(owner, "kept");
  await t.reserve(newcomer, "arriving");
  const app = await t.startLocalApp();
  const kept = await t.startSsh({ user: owner, forwards: [`kept:80:127.0.0.1:${app.port}`] });
  assert.equal(kept.state, "live", kept.stderr());

  await t.waitFor(() => t.relay.controlListening, "the control channel");
  t.databaseProxy!.cut();
  // Another relay starts while this one cannot reach the database: nothing holds it, it takes it.
  const other = new ControlListener({
    databaseUrl: t.databaseUrl,
    logger: createLogger({ silent: true }),
    onCommand: () => {},
  });
  try {
    await t.waitFor(() => !t.relay.controlListening, "the relay to notice the outage", 5_000);
    await other.start();
    assert.equal(other.listening, true);
    t.databaseProxy!.restore();
    await t.waitFor(() => !t.relay.holdsDatabase, "the relay to find its database taken", 15_000);

    const refused = await t.startSsh({ user: newcomer, forwards: [`arriving:80:127.0.0.1:${app.port}`] });
    assert.equal(refused.state, "exited");
    assert.notEqual(refused.exitCode(), 0);
    assert.match(
      refused.stderr(),
      /This Burrow relay has lost its database to another Burrow relay and starts no new tunnels \(open ones keep working\): try again in a moment, and ask the relay's operator if this lasts\./,
    );
    assert.equal(t.relay.registry.get("arriving"), undefined);
    // Refused after its session was written: that session is ended, not left open as a tunnel up.
    await t.waitFor(
      async () => (await t.db.tunnelSession.count({ where: { name: "arriving", endedAt: null } })) === 0,
      "the refused forward's session to be ended",
    );
    const refusedSession = await t.db.tunnelSession.findFirstOrThrow({ where: { name: "arriving" } });
    assert.equal(refusedSession.endReason, "database_taken_over");
    const served = await t.fetchTunnel("kept", "/still-here");
    assert.equal(served.status, 200, served.body);
  } finally {
    t.databaseProxy!.restore();
    await other.stop();
  }

  await t.waitFor(
    () => t.relay.holdsDatabase && t.relay.controlListening,
    "the relay to take its database back",
    15_000,
  );
  const back = await t.startSsh({ user: newcomer, forwards: [`arriving:80:127.0.0.1:${app.port}`] });
  assert.equal(back.state, "live", back.stderr());
  back.kill();
  kept.kill();
});
