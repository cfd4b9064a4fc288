import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger } from "../lib/logger.ts";
import { type RelayCommand, sendRelayCommand } from "../lib/relay-control.ts";
import { logDeletionOf, startLogDeletion } from "../lib/request-logs/deletions.ts";
import { RelayLockConflict } from "./control/relay-lock.ts";
import { loadOrCreateHostKey } from "./host-key.ts";
import { createRelay } from "./relay.ts";
import { startTestRelay, type TestRelay } from "./testing/harness.ts";

let t: TestRelay;
before(async () => {
  // Short keepalives, so the dead-peer test below takes a second rather than 30; log deletions
  // left unfinished looked for twice a second rather than every 15.
  t = await startTestRelay({}, { keepalive: { intervalMs: 200, countMax: 2 }, logDeletionCheckMs: 500 });
});
after(() => t.close());

test("the relay writes a heartbeat row with its ports, host key and tunnel count", async () => {
  const row = await t.waitFor(() => t.db.relayHeartbeat.findFirst(), "a heartbeat row");
  assert.equal(row.sshPort, t.sshPort);
  assert.equal(row.httpPort, t.httpPort);
  assert.equal(row.hostKeyFingerprint, t.relay.hostKeyFingerprint);
  assert.match(row.hostKeyFingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.ok(row.seenAt.getTime() >= row.startedAt.getTime());
  assert.equal(row.tunnels, 0);
});

test("a log deletion the dashboard started and could not finish (it restarted) is finished by the relay", async () => {
  await t.db.$executeRaw`
    INSERT INTO request_logs (name, method, path, status, duration_ms, client_ip)
    SELECT 'half-deleted', 'GET', '/' || g, 200, 1, '198.51.100.4' FROM generate_series(1, 20000) AS g`;
  await startLogDeletion(t.db, "half-deleted", "all");
  // The dashboard's process held it when it stopped: its lease runs out a minute later.
  await t.db.logDeletion.update({
    where: { name: "half-deleted" },
    data: { leaseOwner: "stopped-dashboard", leaseUntil: new Date(Date.now() + 1_000) },
  });
  const done = await t.waitFor(
    async () => (await logDeletionOf(t.db, "half-deleted"))?.finishedAt,
    "the relay to finish the deletion",
    15_000,
  );
  assert.ok(done);
  assert.equal(await t.db.requestLog.count({ where: { name: "half-deleted" } }), 0);
  assert.equal((await logDeletionOf(t.db, "half-deleted"))?.deleted, 20_000);
});

test("a running tunnel's request and byte counters reach its session row within seconds (the tunnel page reads them)", async () => {
  const user = await t.createUserWithKey();
  await t.reserve(user, "counted");
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`counted:80:127.0.0.1:${app.port}`] });
  try {
    assert.equal(ssh.state, "live", ssh.stderr());
    const { sessionId } = ssh.tunnels[0]!;
    const savedRequests = async (expected: number) =>
      (await t.db.tunnelSession.findUniqueOrThrow({ where: { id: sessionId } })).requests === expected;
    // Two rounds, each seen well before the 10 s relay heartbeat could have carried it.
    for (const total of [3, 5]) {
      const before = (await t.db.tunnelSession.findUniqueOrThrow({ where: { id: sessionId } })).requests;
      for (let i = before; i < total; i++) {
        assert.equal((await t.fetchTunnel("counted", "/", { method: "POST", body: "1234" })).status, 200);
      }
      await t.waitFor(() => savedRequests(total), `${total} requests on the session row`, 5_000);
    }
    const row = await t.db.tunnelSession.findUniqueOrThrow({ where: { id: sessionId } });
    assert.equal(row.endedAt, null, "still running");
    assert.equal(row.bytesIn, 20n, "five bodies of 4 bytes");
    assert.ok(row.bytesOut > 0n);
  } finally {
    ssh.kill("SIGKILL");
    await app.close();
  }
});

test("a client that stops answering is dropped by keepalives and its session ends as keepalive_timeout", async () => {
  const user = await t.createUserWithKey();
  await t.reserve(user, "sleepy");
  const ssh = await t.startSsh({ user, forwards: ["sleepy:80:127.0.0.1:9"] });
  assert.equal(ssh.state, "live", ssh.stderr());
  const tunnel = ssh.tunnels[0]!;
  ssh.kill("SIGSTOP");
  try {
    await t.waitFor(() => t.relay.registry.get("sleepy") === undefined, "the keepalive timeout", 3_000);
    const row = await t.waitFor(async () => {
      const r = await t.db.tunnelSession.findUniqueOrThrow({ where: { id: tunnel.sessionId } });
      return r.endedAt ? r : undefined;
    }, "the session row to close");
    assert.equal(row.endReason, "keepalive_timeout");
  } finally {
    ssh.kill("SIGCONT");
    ssh.kill("SIGKILL");
  }
});

test("a request waiting on a channel already open when its client goes silent gets 'Tunnel not responding' once keepalives drop it, not 'offline'", async () => {
  const user = await t.createUserWithKey();
  await t.reserve(user, "dozing");
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`dozing:80:127.0.0.1:${app.port}`] });
  try {
    assert.equal(ssh.state, "live", ssh.stderr());
    // A first request leaves a pooled channel open: the next one goes on it, with no channel to open.
    assert.equal((await t.fetchTunnel("dozing", "/first")).status, 200);
    ssh.kill("SIGSTOP");
    const answer = await t.fetchTunnel("dozing", "/second");
    assert.equal(answer.status, 504);
    assert.match(answer.body, /Tunnel not responding/);
    const row = await t.waitFor(
      () => t.db.requestLog.findFirst({ where: { name: "dozing", path: "/second" } }),
      "the request's row",
    );
    assert.equal(row.error, "tunnel_unresponsive");
  } finally {
    ssh.kill("SIGCONT");
    ssh.kill("SIGKILL");
  }
});

test("a request on a channel already open to a client gone silent gets 'Tunnel not responding' within the channel wait, not the keepalives' ~30 s", async () => {
  // Keepalives at their default (10 s x 2): only the relay's own check can answer within seconds.
  const quick = await startTestRelay({}, { openStreamTimeoutMs: 300 });
  const user = await quick.createUserWithKey();
  await quick.reserve(user, "napping");
  // An app that takes a second over /slow: far past the check (100 ms here), yet not silent.
  const app = http.createServer((req, res) => {
    if (req.url === "/slow") setTimeout(() => res.end("slow"), 1_000);
    else res.end("quick");
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  const port = (app.address() as AddressInfo).port;
  const ssh = await quick.startSsh({ user, forwards: [`napping:80:127.0.0.1:${port}`] });
  try {
    assert.equal(ssh.state, "live", ssh.stderr());
    // A live client with a slow app answers the check at once: the app's answer arrives.
    const slow = await quick.fetchTunnel("napping", "/slow");
    assert.deepEqual([slow.status, slow.body], [200, "slow"]);
    // That left a pooled channel open: the next request goes on it, with no channel to wait for.
    ssh.kill("SIGSTOP");
    const answer = await Promise.race([
      quick.fetchTunnel("napping", "/second"),
      sleep(10_000).then(() => ({ status: 0, body: "no answer within 10 s" })),
    ]);
    assert.equal(answer.status, 504, answer.body);
    assert.match(answer.body, /Tunnel not responding/);
    const session = await quick.waitFor(
      () => quick.db.tunnelSession.findFirst({ where: { name: "napping", endedAt: { not: null } } }),
      "the session to end",
    );
    assert.equal(session.endReason, "keepalive_timeout");
  } finally {
    ssh.kill("SIGCONT");
    ssh.kill("SIGKILL");
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
    await quick.close();
  }
});

test("a request to a tunnel whose client has gone silent (laptop asleep) gets 'Tunnel not responding', not 'nothing on the local port'", async () => {
  // Keepalives at their default here, so the silent client is still connected when the wait ends.
  const quick = await startTestRelay({}, { openStreamTimeoutMs: 300 });
  const user = await quick.createUserWithKey();
  await quick.reserve(user, "asleep");
  const app = await quick.startLocalApp();
  const ssh = await quick.startSsh({ user, forwards: [`asleep:80:127.0.0.1:${app.port}`] });
  try {
    assert.equal(ssh.state, "live", ssh.stderr());
    ssh.kill("SIGSTOP");
    const answer = await quick.fetchTunnel("asleep", "/asleep");
    assert.equal(answer.status, 504);
    assert.match(answer.body, /Tunnel not responding/);
    assert.match(answer.body, /may be asleep or have lost its network/);
    const row = await quick.waitFor(
      () => quick.db.requestLog.findFirst({ where: { name: "asleep", path: "/asleep" } }),
      "the log row",
    );
    assert.equal(row.error, "tunnel_unresponsive");
    assert.equal(row.status, 504);
  } finally {
    ssh.kill("SIGCONT");
    ssh.kill("SIGKILL");
    await app.close();
    await quick.close();
  }
});

test("a relay start closes sessions a crashed relay left open and drops edits left unsent; its shutdown ends tunnels and tells clients", async () => {
  // A database of its own, whose relay is gone: one relay per database (a second is refused while
  // the first runs, see the next test).
  const own = await startTestRelay();
  let closed = false;
  let second: ReturnType<typeof createRelay> | undefined;
  try {
    await own.relay.close();
    const user = await own.createUserWithKey();
    await own.reserve(user, "phoenix");
    // Edited requests announced while no relay listened: never sent now, so not kept.
    const edit = { name: "phoenix", method: "POST", path: "/", headers: "[]", clientIp: "127.0.0.1" };
    const unsent = await own.db.pendingReplay.create({
      data: { ...edit, body: Buffer.from("typed by the owner"), createdAt: new Date(Date.now() - 120_000) },
    });
    const current = await own.db.pendingReplay.create({ data: edit });
    const orphan = await own.db.tunnelSession.create({
      data: {
        name: "phoenix",
        userId: user.id,
        clientIp: "127.0.0.1",
        startedAt: new Date(Date.now() - 60_000),
      },
    });

    const config = { ...own.config, BURROW_SSH_PORT: 0, BURROW_HTTP_PORT: 0 };
    const hostKey = await loadOrCreateHostKey(config.BURROW_DATA_DIR);
    second = createRelay({
      db: own.db,
      config,
      hostKey: hostKey.privateKey,
      logger: createLogger({ silent: true }),
    });
    const ports = await second.listen();
    const swept = await own.db.tunnelSession.findUniqueOrThrow({ where: { id: orphan.id } });
    assert.ok(swept.endedAt);
    assert.equal(swept.endReason, "relay_restart");
    assert.equal(await own.db.pendingReplay.count({ where: { id: unsent.id } }), 0);
    assert.equal(
      await own.db.pendingReplay.count({ where: { id: current.id } }),
      1,
      "one being taken now stays",
    );
    assert.equal(second.hostKeyFingerprint, own.relay.hostKeyFingerprint, "the host key is reused");

    // Connect to the second relay and shut it down under the client.
    const ssh = spawn("ssh", [
      "-F",
      "/dev/null",
      "-i",
      user.keyPath,
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      "BatchMode=yes",
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-N",
      "-p",
      String(ports.sshPort),
      "-R",
      "phoenix:80:127.0.0.1:9",
      "x@127.0.0.1",
    ]);
    let stderr = "";
    ssh.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => ssh.on("close", (code) => resolve(code)));
    const relay = second;
    const tunnel = await own.waitFor(() => relay.registry.get("phoenix"), "the tunnel on the second relay");
    await second.close();
    closed = true;
    assert.equal(await exited, 255);
    assert.match(stderr, /The Burrow relay is shutting down; reconnect in a moment/);
    const row = await own.db.tunnelSession.findUniqueOrThrow({ where: { id: tunnel.sessionId } });
    assert.equal(row.endReason, "relay_shutdown");
  } finally {
    if (!closed) await second?.close();
    await own.close();
  }
});

test("a second relay on the same database is refused, saying which relay runs there; the running relay's tunnels stay live and a replay is answered once", async () => {
  const user = await t.createUserWithKey();
  await t.reserve(user, "steady");
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`steady:80:127.0.0.1:${app.port}`] });
  try {
    assert.equal(ssh.state, "live", ssh.stderr());
    const { sessionId } = ssh.tunnels[0]!;
    assert.equal((await t.fetchTunnel("steady", "/logged")).status, 200);
    const logged = await t.waitFor(
      () => t.db.requestLog.findFirst({ where: { name: "steady", path: "/logged" } }),
      "the request's log row",
    );
    // The running relay has beaten (a relay's rows are its own while its heartbeat is fresh).
    await t.waitFor(() => t.db.relayHeartbeat.findFirst(), "the running relay's heartbeat");
    const hostKey = await loadOrCreateHostKey(t.config.BURROW_DATA_DIR);
    const another = (ports: { BURROW_SSH_PORT: number; BURROW_HTTP_PORT: number }) =>
      createRelay({
        db: t.db,
        config: { ...t.config, ...ports },
        hostKey: hostKey.privateKey,
        logger: createLogger({ silent: true }),
      });

    // Started by mistake where Burrow already runs: refused, and nothing changed.
    const mistaken = another({ BURROW_SSH_PORT: t.sshPort, BURROW_HTTP_PORT: 0 });
    await assert.rejects(mistaken.listen(), /EADDRINUSE/);
    await mistaken.close();

    // On ports of its own (another machine, another data dir): refused too, naming the relay to
    // stop. Beside it, it would carry out every dashboard command as well, and accept the names.
    const beside = another({ BURROW_SSH_PORT: 0, BURROW_HTTP_PORT: 0 });
    try {
      await assert.rejects(beside.listen(), (error: Error) => {
        assert.ok(error instanceof RelayLockConflict, String(error));
        assert.match(
          error.message,
          new RegExp(
            `^Another Burrow relay \\(pid ${process.pid} on ${hostname()}, connected from 127\\.0\\.0\\.1, ` +
              "since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\) is running on the database burrow_test_relay_\\w+ on ",
          ),
        );
        assert.match(
          error.message,
          /Stop that relay first, or give this one a database of its own \(its own DATABASE_URL\)\. Nothing was changed/,
        );
        return true;
      });
    } finally {
      await beside.close();
    }
    assert.equal(t.relay.controlListening, true, "the running relay still hears the dashboard");
    const row = await t.db.tunnelSession.findUniqueOrThrow({ where: { id: sessionId } });
    assert.equal(row.endedAt, null, "the live tunnel's session is still open");
    assert.equal(await t.db.relayHeartbeat.count(), 1, "the refused relay never beat");
    assert.equal((await t.fetchTunnel("steady", "/")).status, 200, "still served by the first relay");

    // The dashboard's Replay is carried out once, by the relay that has the tunnel.
    const heard: RelayCommand[] = [];
    t.relay.events.on("command", (command) => heard.push(command));
    const before = app.requests.length;
    await sendRelayCommand(t.db, { type: "replay", name: "steady", id: String(logged.id) });
    await t.waitFor(() => heard.some((command) => command.type === "replay"), "the replay");
    await t.waitFor(
      () => t.db.requestLog.findFirst({ where: { name: "steady", admission: "REPLAY" } }),
      "the replay's log row",
    );
    await sleep(500);
    assert.deepEqual(
      app.requests.slice(before).map((request) => request.path),
      ["/logged"],
      "the app got the replayed request once",
    );
    assert.equal(await t.db.requestLog.count({ where: { name: "steady", admission: "REPLAY" } }), 1);
  } finally {
    ssh.kill("SIGKILL");
    await app.close();
  }
});

test("a keepalive drop answers the requests waiting on its tunnels at once, and the client woken later reads why", async () => {
  const user = await t.createUserWithKey();
  await t.reserve(user, "lidclosed");
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`lidclosed:80:127.0.0.1:${app.port}`] });
  try {
    assert.equal(ssh.state, "live", ssh.stderr());
    // A first request leaves a pooled channel open: the next one waits on it, with no channel to open.
    assert.equal((await t.fetchTunnel("lidclosed", "/first")).status, 200);
    ssh.kill("SIGSTOP");
    let droppedAt = 0;
    const dropped = t
      .waitFor(() => t.relay.registry.get("lidclosed") === undefined, "the keepalive drop", 5_000)
      .then(() => {
        droppedAt = Date.now();
      });
    const answer = await t.fetchTunnel("lidclosed", "/waiting");
    const answeredAt = Date.now();
    await dropped;
    assert.equal(answer.status, 504, answer.body);
    assert.match(answer.body, /Tunnel not responding/);
    // Not when the relay gives up on the dead socket's close (3 s later).
    assert.ok(answeredAt - droppedAt < 1_500, `answered ${answeredAt - droppedAt} ms after the drop`);

    ssh.kill("SIGCONT");
    const exit = await Promise.race([ssh.exited, sleep(10_000).then(() => null)]);
    assert.ok(exit, `ssh still running after it woke: ${ssh.stderr()}`);
    assert.match(ssh.stderr(), /Burrow: .*stopped answering/, "the relay's reason, not 'Broken pipe'");
  } finally {
    ssh.kill("SIGCONT");
    ssh.kill("SIGKILL");
    await app.close();
  }
});
