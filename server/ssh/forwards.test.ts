import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import ssh2 from "ssh2";
import { RANDOM_NAME_LENGTH } from "../../lib/names/rules.ts";
import { reserveName } from "../../lib/names/service.ts";
import { startTestRelay, TEST_DASHBOARD_URL, type TestRelay } from "../testing/harness.ts";

let t: TestRelay;
before(async () => {
  t = await startTestRelay({ BURROW_MAX_FORWARDS_PER_CONNECTION: "3" });
});
after(() => t.close());

/** Unique per test, so tests never see each other's names. */
const uniqueName = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

test("a reserved name is served end to end, and the TunnelSession row is open", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("app");
  const reservation = await t.reserve(user, name);
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:${app.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());

  const res = await t.fetchTunnel(name, "/hello?x=1", { method: "POST", body: "12345" });
  assert.equal(res.status, 200, res.body);
  assert.deepEqual([res.json?.method, res.json?.path, res.json?.bodyLength], ["POST", "/hello?x=1", 5]);

  const tunnel = ssh.tunnels[0]!;
  const row = await t.db.tunnelSession.findUniqueOrThrow({ where: { id: tunnel.sessionId } });
  assert.equal(row.name, name);
  assert.equal(row.userId, user.id);
  assert.equal(row.reservationId, reservation.id);
  assert.equal(row.sshKeyId, user.keyId);
  assert.equal(row.randomName, false);
  assert.equal(row.endedAt, null);
  const key = await t.db.sshKey.findUniqueOrThrow({ where: { id: user.keyId } });
  assert.ok(key.lastUsedAt, "ssh_keys.last_used_at is set on a successful sign-in");
  await t.waitFor(
    async () => (await t.db.reservation.findUnique({ where: { id: reservation.id } }))?.lastSeenAt,
    "reservations.last_seen_at",
  );
});

test("name.<domain> as the bind address works like the bare name", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("dom");
  await t.reserve(user, name);
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`${name}.localhost:80:127.0.0.1:${app.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());
  assert.equal((await t.fetchTunnel(name, "/")).status, 200);
});

test("an unreserved name is refused; ssh (ExitOnForwardFailure) exits non-zero and says why", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("free");
  const ssh = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:9`] });
  assert.equal(ssh.state, "exited");
  assert.notEqual(ssh.exitCode(), 0);
  assert.match(ssh.stderr(), new RegExp(`The name ${name} is not reserved`));
  assert.match(ssh.stderr(), new RegExp(`${TEST_DASHBOARD_URL}/names`));
  assert.equal(t.relay.registry.get(name), undefined);
});

test("ExitOnForwardFailure with a good -R before a refused one: ssh still shows which one failed, and why", async () => {
  const user = await t.createUserWithKey();
  const mine = uniqueName("mine");
  const free = uniqueName("free");
  await t.reserve(user, mine);
  const app = await t.startLocalApp();
  // OpenSSH exits on the failure reply, dropping console output it read with it but had not shown.
  for (let attempt = 0; attempt < 3; attempt++) {
    const ssh = await t.startSsh({
      user,
      forwards: [`${mine}:80:127.0.0.1:${app.port}`, `${free}:80:127.0.0.1:${app.port}`],
      session: true,
      waitForTunnels: false,
    });
    await ssh.exited;
    assert.notEqual(ssh.exitCode(), 0);
    assert.match(
      ssh.stdout(),
      new RegExp(`Refused -R ${free}:80: The name ${free} is not reserved`),
      ssh.stderr(),
    );
  }
});

test("an invalid name is refused quoting -R as typed, with a reason ssh prints as plain text", async () => {
  const user = await t.createUserWithKey();
  const ssh = await t.startSsh({ user, forwards: ["bad_name:80:127.0.0.1:9"] });
  assert.equal(ssh.state, "exited");
  // The name rules say "a–z" (an en dash): ssh escaped it as "a\342\200\223z" in a C locale.
  assert.match(
    ssh.stderr(),
    /Refused -R bad_name:80: "bad_name" is not a valid name: use only letters a-z, digits and hyphens/,
  );
});

test("a name of hundreds of characters is refused without echoing all of it to the terminal", async () => {
  const user = await t.createUserWithKey();
  const ssh = await t.startSsh({ user, forwards: [`${"x".repeat(300)}:80:127.0.0.1:9`] });
  assert.equal(ssh.state, "exited");
  const line =
    ssh
      .stderr()
      .split("\n")
      .find((l) => l.includes("Refused -R")) ?? "";
  assert.match(line, /Refused -R x{79}\.\.\.: "x{64}"\.\.\. is not a valid name: use at most 63 characters/);
  assert.ok(line.length < 300, line); // the whole name twice would be over 600
});

test("a name reserved by someone else is refused, saying which account the connection signed in as", async () => {
  const owner = await t.createUserWithKey();
  const other = await t.createUserWithKey();
  const name = uniqueName("mine");
  await t.reserve(owner, name);
  const ssh = await t.startSsh({ user: other, forwards: [`${name}:80:127.0.0.1:9`] });
  assert.equal(ssh.state, "exited");
  assert.notEqual(ssh.exitCode(), 0);
  assert.match(ssh.stderr(), /reserved by another account/);
  // Keys of two accounts in one agent: ssh may have offered the other account's key first.
  assert.ok(
    ssh.stderr().includes(`This connection signed in as ${other.email} (key "test key")`),
    ssh.stderr(),
  );
  assert.match(
    ssh.stderr(),
    /connect with that account's key: ssh -i <its private key> -o IdentitiesOnly=yes/,
  );
  assert.equal(t.relay.registry.get(name), undefined);
});

test("-R 80:… gets a random name (14 characters) that is served", async () => {
  const user = await t.createUserWithKey();
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`80:127.0.0.1:${app.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());
  const tunnel = ssh.tunnels[0]!;
  assert.ok(tunnel.name.length >= 12);
  assert.equal(tunnel.name.length, RANDOM_NAME_LENGTH);
  assert.equal(tunnel.reservationId, null);
  assert.equal((await t.fetchTunnel(tunnel.name, "/r")).json?.path, "/r");
  const row = await t.db.tunnelSession.findUniqueOrThrow({ where: { id: tunnel.sessionId } });
  assert.equal(row.randomName, true);
});

test("a random name comes back to its user with -R <name>:80:…, and never goes to anyone else", async () => {
  const user = await t.createUserWithKey();
  const first = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`80:127.0.0.1:${first.port}`], session: true });
  assert.equal(ssh.state, "live", ssh.stderr());
  const name = ssh.tunnels[0]!.name;
  // The console says how to come back to it.
  await ssh.waitForStdout(new RegExp(`stays yours for 24 h .*-R ${name}:80:localhost:<port>`));

  // The connection dropped (the relay still thinks it is up): a reconnect takes the name over.
  const second = await t.startLocalApp();
  const again = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:${second.port}`] });
  assert.equal(again.state, "live", again.stderr());
  await ssh.exited;
  assert.equal((await t.fetchTunnel(name, "/back")).json?.path, "/back");
  assert.deepEqual([first.requests.length, second.requests.length], [0, 1]);
  const row = await t.db.tunnelSession.findUniqueOrThrow({ where: { id: again.tunnels[0]!.sessionId } });
  assert.deepEqual([row.name, row.randomName, row.reservationId], [name, true, null]);

  // Closed: still its user's, and nobody else's.
  again.kill();
  await again.exited;
  await t.waitFor(() => t.relay.registry.get(name) === undefined || undefined, "the tunnel to go offline");
  const other = await t.createUserWithKey();
  const theirs = await t.startSsh({ user: other, forwards: [`${name}:80:127.0.0.1:9`] });
  assert.equal(theirs.state, "exited");
  assert.match(theirs.stderr(), new RegExp(`The name ${name} belongs to another account`));
  const back = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:${second.port}`] });
  assert.equal(back.state, "live", back.stderr());
  back.kill();
  await back.exited;

  // BURROW_RANDOM_NAME_HOURS (24) after it closed, the relay no longer keeps it.
  await t.waitFor(
    async () => (await t.db.tunnelSession.count({ where: { name, endedAt: null } })) === 0 || undefined,
    "the sessions to end",
  );
  await t.db.tunnelSession.updateMany({
    where: { name },
    data: { endedAt: new Date(Date.now() - 25 * 3_600_000) },
  });
  const late = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:9`] });
  assert.equal(late.state, "exited");
  assert.match(late.stderr(), new RegExp(`The random name ${name} is no longer kept for you`));
  assert.match(
    late.stderr(),
    new RegExp(
      `Reserve it with "ssh -p ${t.sshPort} localhost reserve ${name}" or at ${TEST_DASHBOARD_URL}/names`,
    ),
  );
});

test("a random name its user reserves while it is up gets its last-seen time when the tunnel closes", async () => {
  const user = await t.createUserWithKey();
  const ssh = await t.startSsh({ user, forwards: ["80:127.0.0.1:9"] });
  assert.equal(ssh.state, "live", ssh.stderr());
  const { name, sessionId } = ssh.tunnels[0]!;
  await reserveName(t.db, user.id, name, { maxNames: 10 });
  ssh.kill();
  await ssh.exited;
  const ended = await t.waitFor(
    async () =>
      (await t.db.tunnelSession.findUniqueOrThrow({ where: { id: sessionId } })).endedAt ?? undefined,
    "the session to end",
  );
  await t.waitFor(
    async () =>
      (await t.db.reservation.findUniqueOrThrow({ where: { name } })).lastSeenAt?.getTime() ===
        ended.getTime() || undefined,
    "the reservation's last_seen_at",
  );
});

test("-R 0:localhost:… also gets a random name; OpenSSH is told the allocated port", async () => {
  const user = await t.createUserWithKey();
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`0:127.0.0.1:${app.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());
  // OpenSSH prints this when the forward's reply arrives, which may be just after the relay routes it.
  await t.waitFor(
    () => /Allocated port 80 for remote forward/.test(ssh.stderr()) || undefined,
    "the port line",
  );
  assert.equal((await t.fetchTunnel(ssh.tunnels[0]!.name, "/zero")).json?.path, "/zero");
});

test("two forwards on one connection reach two different local apps", async () => {
  const user = await t.createUserWithKey();
  const [a, b] = [uniqueName("one"), uniqueName("two")];
  await t.reserve(user, a);
  await t.reserve(user, b);
  const appA = await t.startLocalApp();
  const appB = await t.startLocalApp();
  const ssh = await t.startSsh({
    user,
    forwards: [`${a}:80:127.0.0.1:${appA.port}`, `${b}:80:127.0.0.1:${appB.port}`],
  });
  assert.equal(ssh.state, "live", ssh.stderr());
  assert.equal((await t.fetchTunnel(a, "/a")).status, 200);
  assert.equal((await t.fetchTunnel(b, "/b")).status, 200);
  assert.deepEqual(
    appA.requests.map((r) => r.path),
    ["/a"],
  );
  assert.deepEqual(
    appB.requests.map((r) => r.path),
    ["/b"],
  );
});

test("two random forwards on one connection stay apart (distinct allocated ports)", async () => {
  const user = await t.createUserWithKey();
  const appA = await t.startLocalApp();
  const appB = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`0:127.0.0.1:${appA.port}`, `0:127.0.0.1:${appB.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());
  await t.fetchTunnel(ssh.tunnels[0]!.name, "/first");
  await t.fetchTunnel(ssh.tunnels[1]!.name, "/second");
  assert.equal(appA.requests.length + appB.requests.length, 2);
  assert.equal(appA.requests.length, 1, "each random name reaches its own app");
});

test("streamlocal: -R /tmp/<name>.localhost.socket:host:port is served under <name>", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("sock");
  await t.reserve(user, name);
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`/tmp/${name}.localhost.socket:127.0.0.1:${app.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());
  assert.equal(ssh.tunnels[0]!.target, `/tmp/${name}.localhost.socket`);
  const res = await t.fetchTunnel(name, "/via-socket");
  assert.equal(res.json?.path, "/via-socket");
});

test("a TCP port forward is refused with 'not supported'", async () => {
  const user = await t.createUserWithKey();
  const ssh = await t.startSsh({ user, forwards: ["5432:127.0.0.1:5432"] });
  assert.equal(ssh.state, "exited");
  assert.notEqual(ssh.exitCode(), 0);
  assert.match(ssh.stderr(), /TCP tunnels are not supported yet/);
});

test("random names can be switched off", async () => {
  const strict = await startTestRelay({ BURROW_ALLOW_RANDOM_NAMES: "false" });
  try {
    const user = await strict.createUserWithKey();
    const ssh = await strict.startSsh({ user, forwards: ["80:127.0.0.1:9"] });
    assert.equal(ssh.state, "exited");
    assert.match(ssh.stderr(), /does not hand out random names/);
  } finally {
    await strict.close();
  }
});

test("more forwards than BURROW_MAX_FORWARDS_PER_CONNECTION: the extra one is refused", async () => {
  const user = await t.createUserWithKey();
  const names = [uniqueName("l1"), uniqueName("l2"), uniqueName("l3"), uniqueName("l4")];
  for (const name of names) await t.reserve(user, name);
  const ssh = await t.startSsh({
    user,
    forwards: names.map((name) => `${name}:80:127.0.0.1:9`),
    extraArgs: ["-o", "ExitOnForwardFailure=no"],
    session: true,
    waitForTunnels: false,
  });
  await ssh.waitForStdout(/already has 3 tunnels \(BURROW_MAX_FORWARDS_PER_CONNECTION\)/);
  await t.waitFor(() => names.slice(0, 3).every((n) => t.relay.registry.get(n)), "the first three tunnels");
  assert.equal(t.relay.registry.get(names[3]!), undefined);
  ssh.kill();
});

test("a duplicate forward of the same name on one connection is refused, the first keeps working", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("dup");
  await t.reserve(user, name);
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({
    user,
    forwards: [`${name}:80:127.0.0.1:${app.port}`, `${name}:443:127.0.0.1:9`],
    extraArgs: ["-o", "ExitOnForwardFailure=no"],
    session: true,
    waitForTunnels: false,
  });
  await ssh.waitForStdout(new RegExp(`already forwards ${name}`));
  assert.equal((await t.fetchTunnel(name, "/still")).json?.path, "/still");
  ssh.kill();
});

test("cancel-tcpip-forward ends the tunnel and keeps the connection", async () => {
  // OpenSSH only cancels through a control socket (-O cancel); ssh2's client sends the same request.
  const user = await t.createUserWithKey();
  const name = uniqueName("cancel");
  await t.reserve(user, name);
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.once("ready", resolve).once("error", reject);
    readFile(user.keyPath, "utf8").then(
      (privateKey) => client.connect({ host: "127.0.0.1", port: t.sshPort, username: "x", privateKey }),
      reject,
    );
  });
  try {
    await new Promise<void>((resolve, reject) =>
      client.forwardIn(name, 80, (err) => (err ? reject(err) : resolve())),
    );
    const tunnel = await t.waitFor(() => t.relay.registry.get(name), "the tunnel");
    await new Promise<void>((resolve, reject) =>
      client.unforwardIn(name, 80, (err) => (err ? reject(err) : resolve())),
    );
    assert.equal(t.relay.registry.get(name), undefined);
    const row = await t.waitFor(async () => {
      const r = await t.db.tunnelSession.findUniqueOrThrow({ where: { id: tunnel.sessionId } });
      return r.endedAt ? r : undefined;
    }, "the session row to close");
    assert.equal(row.endReason, "client_cancelled");
    // The connection is still usable: the same name can be forwarded again.
    await new Promise<void>((resolve, reject) =>
      client.forwardIn(name, 80, (err) => (err ? reject(err) : resolve())),
    );
    await t.waitFor(() => t.relay.registry.get(name), "the tunnel again");
  } finally {
    client.end();
  }
});
