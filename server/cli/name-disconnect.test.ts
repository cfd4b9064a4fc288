import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";
import { createCliSandbox, runCli } from "./testing/run-cli.ts";

// `burrow name disconnect` against a running relay: the CLI and the relay share only the database.

let t: TestRelay;
const home = mkdtempSync(join(tmpdir(), "burrow-cli-disconnect-"));
before(async () => {
  t = await startTestRelay();
});
after(async () => {
  await t.close();
  rmSync(home, { recursive: true, force: true });
});

const cli = (args: string[]) =>
  runCli(args, {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      DATABASE_URL: t.databaseUrl,
      BURROW_DATA_DIR: join(home, "data"),
    },
  });

test("name disconnect closes another user's tunnel, tells its ssh client why, and the name stays theirs", async () => {
  const user = await t.createUserWithKey();
  await t.reserve(user, "kicked");
  const ssh = await t.startSsh({ user, forwards: ["kicked:80:127.0.0.1:9"] });
  assert.equal(ssh.state, "live", ssh.stderr());
  await t.waitFor(() => t.relay.controlListening, "the control channel");

  // Bad input changes nothing: the tunnel is still up after it.
  const badReason = await cli(["name", "disconnect", "kicked", "--reason", "two\nlines"]);
  assert.equal(badReason.code, 2, badReason.stderr);
  assert.match(badReason.stderr, /--reason takes one line of text, at most 200 characters/);
  for (const [args, message] of [
    [["--reason", "   "], /--reason is empty: say why, or leave --reason out/],
    [["--reason", "café"], /--reason must be plain ASCII: ssh clients show other characters as \?/],
    [["--reason", "x".repeat(201)], /--reason takes one line of text, at most 200 characters/],
  ] as const) {
    const refused = await cli(["name", "disconnect", "kicked", ...args]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, message);
  }
  assert.ok(t.relay.registry.get("kicked"), "still connected after a refused command");

  const done = await cli(["name", "disconnect", "kicked", "--reason", "abuse report"]);
  assert.equal(done.code, 0, done.stderr);
  assert.equal(done.stdout.trim(), `Disconnected kicked (${user.email})`);
  assert.equal(t.relay.registry.get("kicked"), undefined);
  await ssh.exited;
  assert.match(ssh.stderr(), /kicked: closed by an administrator \(abuse report\)/);
  assert.equal(await t.db.reservation.count({ where: { name: "kicked", userId: user.id } }), 1);

  const again = await cli(["name", "disconnect", "kicked"]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /kicked is not connected/);
});

test("name disconnect of a name nobody has says so; of no possible name, that it is not one", async () => {
  const result = await cli(["name", "disconnect", "nobody-here"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /nobody-here is not reserved/);
  const invalid = await cli(["name", "disconnect", "BAD NAME!"]);
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /"bad name!" is not a valid name: /);
});

test("name disconnect when the relay stopped moments ago (its heartbeat late) says it may have stopped", async () => {
  // Its own database: no relay writes heartbeats there.
  const { database, env } = await createCliSandbox("cli_disconnect_late");
  const user = await database.db.user.create({ data: { email: "late@example.com", passwordHash: "x" } });
  await database.db.reservation.create({ data: { name: "stranded", userId: user.id } });
  // A session left open by a relay that crashed after its last heartbeat: none will close it.
  await database.db.tunnelSession.create({
    data: { name: "stranded", userId: user.id, clientIp: "127.0.0.1" },
  });
  await database.db.relayHeartbeat.create({
    data: {
      id: "crashed",
      startedAt: new Date(Date.now() - 3_600_000),
      seenAt: new Date(Date.now() - 15_000),
      hostKeyFingerprint: "SHA256:x",
      sshPort: 2222,
      httpPort: 8080,
      tunnels: 1,
      requestsPerMinute: 0,
    },
  });
  // Kept 15 s old while the command runs (it waits 5 s, and starts slowly on a loaded machine): a
  // fixed time would drift past the 30 s after which no relay counts as running.
  const keepLate = setInterval(() => {
    void database.db.relayHeartbeat
      .update({ where: { id: "crashed" }, data: { seenAt: new Date(Date.now() - 15_000) } })
      .catch(() => {});
  }, 200);
  const result = await runCli(["name", "disconnect", "stranded"], { env }).finally(() =>
    clearInterval(keepLate),
  );
  assert.equal(result.code, 1);
  assert.match(result.stderr, /the relay may have stopped: its last heartbeat was 1[5-6] s ago/);
});

test("name disconnect and name release of a tunnel whose relay stopped minutes ago (none runs) end it and go ahead", async () => {
  const { database, env } = await createCliSandbox("cli_disconnect_stopped");
  const user = await database.db.user.create({ data: { email: "gone@example.com", passwordHash: "x" } });
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  await database.db.relayHeartbeat.create({
    data: {
      id: "stopped",
      startedAt: minutesAgo(60),
      seenAt: minutesAgo(5),
      hostKeyFingerprint: "SHA256:x",
      sshPort: 2222,
      httpPort: 8080,
      tunnels: 2,
      requestsPerMinute: 0,
    },
  });
  // Left open by the relay, stopped while the database was away: no relay is there to end them.
  for (const name of ["left-open", "left-too"]) {
    await database.db.reservation.create({ data: { name, userId: user.id } });
    await database.db.tunnelSession.create({
      data: { name, userId: user.id, clientIp: "127.0.0.1", relayId: "stopped", startedAt: minutesAgo(10) },
    });
  }

  const disconnected = await runCli(["name", "disconnect", "left-open"], { env });
  assert.equal(disconnected.code, 0, disconnected.stderr);
  assert.equal(
    disconnected.stdout.trim(),
    "Disconnected left-open (gone@example.com): the relay that held it had stopped, so it was no longer served",
  );
  const released = await runCli(["name", "release", "left-too", "--yes"], { env });
  assert.equal(released.code, 0, released.stderr);
  assert.equal(await database.db.reservation.count({ where: { name: "left-too" } }), 0);
  const ends = await database.db.tunnelSession.findMany({ select: { endReason: true } });
  assert.deepEqual(
    ends.map((row) => row.endReason),
    ["relay_restart", "relay_restart"],
  );

  // Nor does such a tunnel keep its owner's account from being deleted.
  const other = await database.db.user.create({ data: { email: "also@example.com", passwordHash: "x" } });
  await database.db.tunnelSession.create({
    data: {
      name: "left-three",
      userId: other.id,
      clientIp: "127.0.0.1",
      relayId: "stopped",
      startedAt: minutesAgo(10),
    },
  });
  const deleted = await runCli(["user", "delete", "also@example.com", "--yes"], { env });
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(await database.db.user.count({ where: { email: "also@example.com" } }), 0);
});
