import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { startTestRelay, TEST_DASHBOARD_URL, type TestRelay } from "../testing/harness.ts";

let t: TestRelay;
before(async () => {
  t = await startTestRelay({ BURROW_MAX_CONNECTIONS_PER_KEY: "2" });
});
after(() => t.close());

const uniqueName = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

test("an unknown key is refused, and ssh shows where to add it", async () => {
  const key = await t.createUnregisteredKey();
  const ssh = await t.startSsh({ user: key, forwards: ["80:127.0.0.1:9"] });
  assert.equal(ssh.state, "exited");
  assert.equal(ssh.exitCode(), 255);
  const stderr = ssh.stderr();
  assert.match(
    stderr,
    new RegExp(`Burrow does not know the SSH key ${key.fingerprint.replace(/[+/]/g, "\\$&")}`),
  );
  assert.ok(stderr.includes(`${TEST_DASHBOARD_URL}/keys`), stderr);
  assert.match(stderr, /npm run burrow -- key add <your email> <public key file>/);
  assert.match(stderr, /Permission denied \(publickey\)/);
  // Only ssh's own line says it: the advice shows too when ssh goes on to a key the relay knows,
  // and burrow-connect would read those words as the relay refusing that one.
  assert.equal(stderr.match(/Permission denied/g)?.length, 1, stderr);
});

test("ssh with no key to offer is told to make one and where to add it", async () => {
  // A new computer: no ~/.ssh/id_* at all. BatchMode=no as a person's terminal runs it (the first
  // -o wins over the harness's BatchMode=yes).
  const keyless = { ...(await t.createUnregisteredKey()), keyPath: null };
  const ssh = await t.startSsh({
    user: keyless,
    forwards: ["80:127.0.0.1:9"],
    extraArgs: ["-o", "BatchMode=no"],
  });
  assert.equal(ssh.state, "exited");
  const stderr = ssh.stderr();
  assert.match(stderr, /ssh has not offered one/);
  assert.match(stderr, /ssh-keygen -t ed25519/);
  assert.ok(stderr.includes(`${TEST_DASHBOARD_URL}/keys`), stderr);
  assert.match(stderr, /Permission denied \(publickey\)/);

  // A client that does offer a key never hears it: an unknown one gets its own explanation, and a
  // known one signs in without a word.
  const unknown = await t.startSsh({
    user: await t.createUnregisteredKey(),
    forwards: ["80:127.0.0.1:9"],
    extraArgs: ["-o", "BatchMode=no"],
  });
  assert.match(unknown.stderr(), /Burrow does not know the SSH key/);
  assert.doesNotMatch(unknown.stderr(), /has not offered/);
  const known = await t.startSsh({
    user: await t.createUserWithKey(),
    forwards: ["80:127.0.0.1:9"],
    extraArgs: ["-o", "BatchMode=no"],
  });
  assert.equal(known.state, "live", known.stderr());
  assert.doesNotMatch(known.stderr(), /Burrow (signs|does not)/);
  known.kill();
});

test("a disabled account is refused with a reason", async () => {
  const user = await t.createUserWithKey({ disabled: true });
  const name = uniqueName("off");
  await t.reserve(user, name);
  const ssh = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:9`] });
  assert.equal(ssh.state, "exited");
  assert.notEqual(ssh.exitCode(), 0);
  assert.match(ssh.stderr(), /this account is disabled/);
  assert.equal(t.relay.registry.get(name), undefined);
});

test("a key with a stored public key that differs from the offered one cannot sign in", async () => {
  // Same fingerprint row, different stored key: the signature check uses the stored key.
  const user = await t.createUserWithKey();
  const other = await t.createUnregisteredKey();
  await t.db.sshKey.update({ where: { id: user.keyId }, data: { publicKey: other.publicKey } });
  const ssh = await t.startSsh({ user, forwards: ["80:127.0.0.1:9"] });
  assert.equal(ssh.state, "exited");
  assert.match(ssh.stderr(), /Permission denied/);
});

test("a key gets at most BURROW_MAX_CONNECTIONS_PER_KEY connections; the extra one hears why", async () => {
  const user = await t.createUserWithKey();
  const names = [uniqueName("c1"), uniqueName("c2"), uniqueName("c3")];
  for (const name of names) await t.reserve(user, name);
  const first = await t.startSsh({ user, forwards: [`${names[0]}:80:127.0.0.1:9`] });
  const second = await t.startSsh({ user, forwards: [`${names[1]}:80:127.0.0.1:9`] });
  assert.equal(first.state, "live", first.stderr());
  assert.equal(second.state, "live", second.stderr());
  const third = await t.startSsh({ user, forwards: [`${names[2]}:80:127.0.0.1:9`] });
  assert.equal(third.state, "exited");
  assert.match(third.stderr(), /already has 2 open connections \(BURROW_MAX_CONNECTIONS_PER_KEY\)/);
  assert.match(third.stderr(), /All of them are answering: close one first\./);

  // Closing one frees a slot.
  first.kill();
  await first.exited;
  await t.waitFor(() => !t.relay.registry.get(names[0]!), "the first tunnel to go");
  const again = await t.startSsh({ user, forwards: [`${names[2]}:80:127.0.0.1:9`] });
  assert.equal(again.state, "live", again.stderr());
  second.kill();
  again.kill();
});

test("at the limit, a reconnect is let in by dropping a connection of its key that no longer answers", async () => {
  // A laptop that slept: its old connection is still open on the relay, but nothing answers on it.
  const user = await t.createUserWithKey();
  const [alive, asleep] = [uniqueName("up"), uniqueName("zz")];
  for (const name of [alive, asleep]) await t.reserve(user, name);
  const first = await t.startSsh({ user, forwards: [`${alive}:80:127.0.0.1:9`] });
  const second = await t.startSsh({ user, forwards: [`${asleep}:80:127.0.0.1:9`] });
  assert.equal(second.state, "live", second.stderr());
  const asleepSession = t.relay.registry.get(asleep)?.sessionId;
  process.kill(second.pid, "SIGSTOP");
  try {
    const back = await t.startSsh({ user, forwards: [`${asleep}:80:127.0.0.1:9`] });
    assert.equal(back.state, "live", back.stderr());
    assert.doesNotMatch(back.stderr(), /open connections/);
    assert.notEqual(
      t.relay.registry.get(asleep)?.sessionId,
      asleepSession,
      "the name is the new connection's",
    );
    assert.ok(t.relay.registry.get(alive), "the connection that answered is left alone");
    const ended = await t.db.tunnelSession.findUniqueOrThrow({ where: { id: asleepSession ?? "" } });
    assert.equal(ended.endReason, "keepalive_timeout");
    // Woken up, it reads why it was closed.
    process.kill(second.pid, "SIGCONT");
    await second.exited;
    assert.match(second.stderr(), /This connection stopped answering, so the relay closed it/);
    back.kill();
  } finally {
    try {
      process.kill(second.pid, "SIGCONT");
    } catch {
      // Woken above, and gone.
    }
    second.kill();
    first.kill();
  }
});

test("a storm of reconnects at the limit with one connection asleep: one gets its slot, the rest hear why, no listener-leak warning", async () => {
  // A key at its limit, one of its connections asleep (a laptop), and a dozen of its clients
  // connecting at once (reconnect loops, a fleet restarted): each newcomer asks every held
  // connection to answer, the sleeper for the whole probe.
  const user = await t.createUserWithKey();
  const [awake, asleep] = [uniqueName("aw"), uniqueName("as")];
  // Named, so that each client's tunnel is told apart (the harness matches random names by user).
  const stormNames = Array.from({ length: 12 }, (_, i) => uniqueName(`n${i}`));
  for (const name of [awake, asleep, ...stormNames]) await t.reserve(user, name);
  const app = await t.startLocalApp();
  const held = await Promise.all(
    [awake, asleep].map((name) => t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:${app.port}`] })),
  );
  for (const ssh of held) assert.equal(ssh.state, "live", ssh.stderr());
  const sleeper = held[1]!;
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on("warning", onWarning);
  process.kill(sleeper.pid, "SIGSTOP");
  try {
    const storm = await Promise.all(
      stormNames.map((name) => t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:9`], timeoutMs: 20_000 })),
    );
    const live = storm.filter((ssh) => ssh.state === "live");
    assert.equal(live.length, 1, "the sleeper's slot goes to one newcomer");
    for (const ssh of storm.filter((s) => s.state !== "live"))
      assert.match(ssh.stderr(), /already has 2 open connections/);
    assert.equal((await t.fetchTunnel(awake, "/still")).status, 200);
    assert.equal(t.relay.registry.get(asleep), undefined, "the sleeper's name is free");
    // Node's "Possible EventEmitter memory leak detected" in the relay's log sent its operator
    // looking for a leak that a reconnect storm does not cause.
    assert.deepEqual(
      warnings.map((w) => w.message),
      [],
    );
    for (const ssh of live) ssh.kill();
  } finally {
    process.off("warning", onWarning);
    process.kill(sleeper.pid, "SIGCONT");
    for (const ssh of held) ssh.kill();
  }
});

test("a password is never asked for: public keys are the only method offered", async () => {
  const key = await t.createUnregisteredKey();
  const ssh = await t.startSsh({
    user: key,
    forwards: ["80:127.0.0.1:9"],
    extraArgs: ["-o", "PreferredAuthentications=password,keyboard-interactive,publickey"],
  });
  assert.equal(ssh.state, "exited");
  assert.match(ssh.stderr(), /Permission denied \(publickey\)/);
});
