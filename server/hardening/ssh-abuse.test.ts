import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type LocalApp, startTestRelay, type TestRelay, type TestUser } from "../testing/harness.ts";
import { connectSsh2, openChannelOfType, type Ssh2Tunnel, sendGlobalRequest } from "./ssh2-client.ts";

let t: TestRelay;
let app: LocalApp;
let attacker: TestUser;
before(async () => {
  t = await startTestRelay();
  app = await t.startLocalApp();
  // A well-behaved user's tunnel (real OpenSSH) that every abuse below must leave alone.
  const bystander = await t.createUserWithKey();
  await t.reserve(bystander, "bystander");
  const ssh = await t.startSsh({ user: bystander, forwards: [`bystander:80:127.0.0.1:${app.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());
  attacker = await t.createUserWithKey();
});
after(() => t.close());

async function assertServes(name: string, path = "/ok"): Promise<void> {
  const res = await t.fetchTunnel(name, path);
  assert.equal(res.status, 200, `${name} did not serve: ${res.status}`);
  assert.equal(res.json?.path, path);
}

test("a tcpip-forward sent before authenticating is refused; after signing in the same name works", async () => {
  await t.reserve(attacker, "preauth");
  let answer: "accepted" | "refused" | "no answer" = "no answer";
  const client = await connectSsh2({
    sshPort: t.sshPort,
    keyPath: attacker.keyPath,
    localPort: app.port,
    beforeAuth: (c) =>
      Promise.race([
        new Promise<void>((resolve) =>
          c.forwardIn("preauth", 80, (error) => {
            answer = error ? "refused" : "accepted";
            resolve();
          }),
        ),
        sleep(3_000),
      ]),
  });
  try {
    assert.equal(answer, "refused");
    assert.equal(t.relay.registry.get("preauth"), undefined);
    await assertServes("bystander");
    // The refusal was about authentication, not the name.
    assert.equal(await client.forward("preauth"), true);
    await assertServes("preauth");
  } finally {
    client.end();
  }
});

test("unexpected channel types are refused; the client's tunnel keeps serving", async () => {
  await t.reserve(attacker, "channels");
  const client = await connectSsh2({ sshPort: t.sshPort, keyPath: attacker.keyPath, localPort: app.port });
  try {
    assert.equal(await client.forward("channels"), true);
    const types = [
      "direct-tcpip",
      "direct-streamlocal@openssh.com",
      "forwarded-tcpip",
      "x11",
      "auth-agent@openssh.com",
      "burrow-made-up@example.com",
    ];
    for (const type of types) {
      assert.equal(await openChannelOfType(client.client, type), "refused", type);
    }
    assert.equal(client.isClosed(), false);
    await assertServes("channels");
    await assertServes("bystander");
  } finally {
    client.end();
  }
});

/** Floods with `send`, then checks the cut, its reason, the bystander, and that a reconnect works. */
async function assertFloodCut(name: string, reason: RegExp, send: (client: Ssh2Tunnel) => void) {
  await t.reserve(attacker, name);
  const client = await connectSsh2({ sshPort: t.sshPort, keyPath: attacker.keyPath, localPort: app.port });
  try {
    assert.equal(await client.forward(name), true);
    send(client);
    await assertServes("bystander", "/during-flood");
    await Promise.race([client.closed, sleep(10_000)]);
    assert.equal(client.isClosed(), true, "the flooding connection was not cut");
    assert.match(client.disconnect() ?? "", reason);
    await t.waitFor(() => t.relay.registry.get(name) === undefined, `${name} to leave routing`);
    await assertServes("bystander", "/after-flood");
  } finally {
    client.end();
  }
  // Not a ban: the key connects again and serves.
  const again = await connectSsh2({ sshPort: t.sshPort, keyPath: attacker.keyPath, localPort: app.port });
  try {
    assert.equal(await again.forward(name), true);
    await assertServes(name);
  } finally {
    again.end();
  }
}

test("a flood of channel opens of made-up types is cut off with a reason; others keep serving", async () => {
  await assertFloodCut("opener", /too many channel opens/, (client) => {
    for (let i = 0; i < 1_000; i++) void openChannelOfType(client.client, `made-up-${i}`);
  });
});

test("a flood of unknown global requests is cut off with a reason; others keep serving", async () => {
  await assertFloodCut("chatty", /too many global requests/, (client) => {
    for (let i = 0; i < 5_000; i++) void sendGlobalRequest(client.client, `flood-${i}@example.com`);
  });
});

test("a flood of forward/cancel pairs is cut off with a reason and a bounded number of sessions", async () => {
  await assertFloodCut("flapper", /too many global requests/, (client) => {
    for (let i = 0; i < 2_000; i++) {
      client.client.forwardIn("flapper", 80);
      client.client.unforwardIn("flapper", 80);
    }
  });
  const sessions = await t.db.tunnelSession.count({ where: { name: "flapper" } });
  assert.ok(sessions <= 100, `${sessions} tunnel sessions for one flooding connection`);
});

test("a flood of forward requests before authenticating is cut off", async () => {
  let cut = false;
  await connectSsh2({
    sshPort: t.sshPort,
    keyPath: attacker.keyPath,
    beforeAuth: async (c) => {
      for (let i = 0; i < 2_000; i++) c.forwardIn("preauth", 80);
      cut = await Promise.race([
        new Promise<boolean>((resolve) => c.once("close", () => resolve(true))),
        sleep(10_000).then(() => false),
      ]);
    },
  }).catch(() => {});
  assert.ok(cut);
  await assertServes("bystander", "/after-preauth-flood");
});

test("a peer that dribbles its SSH version line a byte at a time is dropped at the handshake deadline", async (tc) => {
  // Its own relay, with a deadline short enough to test; each byte comes well within it, so only
  // a deadline (not an idle timeout) ends the connection.
  const relay = await startTestRelay({}, { handshakeTimeoutMs: 1_500 });
  tc.after(() => relay.close());
  const line = "SSH-2.0-OpenSSH_9.2\r\n";
  const socket = net.connect(relay.sshPort, "127.0.0.1");
  socket.on("error", () => {});
  socket.resume();
  const closed = once(socket, "close").then(() => true);
  await once(socket, "connect");
  let sent = 0;
  while (sent < line.length && !socket.destroyed) {
    socket.write(line[sent++]!);
    if (await Promise.race([closed, sleep(300).then(() => false)])) break;
  }
  const closedByRelay = await Promise.race([closed, sleep(2_000).then(() => false)]);
  socket.destroy();
  assert.ok(closedByRelay, "the relay kept a connection that sent a byte of its version line every 300 ms");
  assert.ok(sent < line.length, `the whole version line (${sent} bytes) went out before the relay gave up`);
  // Someone who says hello at once is served by the same relay.
  const user = await relay.createUserWithKey();
  await relay.reserve(user, "prompt");
  const app2 = await relay.startLocalApp();
  const ssh = await relay.startSsh({ user, forwards: [`prompt:80:127.0.0.1:${app2.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());
  assert.equal((await relay.fetchTunnel("prompt", "/hi")).status, 200);
});

test("an address holding too many connections not signed in has its next ones closed at once; once they go, it is served", async (tc) => {
  const relay = await startTestRelay({ BURROW_MAX_UNAUTHENTICATED_PER_IP: "3" });
  tc.after(() => relay.close());
  const silent = await silentConnections(relay.sshPort, 3);
  // Past the limit: closed without a word, long before any handshake deadline.
  const extra = net.connect(relay.sshPort, "127.0.0.1");
  extra.on("error", () => {});
  extra.resume();
  const extraClosed = await Promise.race([
    once(extra, "close").then(() => true),
    sleep(3_000).then(() => false),
  ]);
  extra.destroy();
  assert.ok(extraClosed, "a fourth silent connection from the same address was kept");
  for (const socket of silent)
    assert.equal(socket.destroyed, false, "the first three stay (they may still sign in)");

  const user = await relay.createUserWithKey();
  await relay.reserve(user, "after-flood");
  const app = await relay.startLocalApp();
  for (const socket of silent) socket.destroy();
  await relay.waitFor(async () => {
    const probe = net.connect(relay.sshPort, "127.0.0.1");
    probe.on("error", () => {});
    const [line] = (await Promise.race([once(probe, "data"), sleep(2_000).then(() => [undefined])])) as [
      Buffer | undefined,
    ];
    probe.destroy();
    return line?.toString().startsWith("SSH-2.0-") === true;
  }, "the address's slots to be free again");
  const ssh = await relay.startSsh({ user, forwards: [`after-flood:80:127.0.0.1:${app.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());
  assert.equal((await relay.fetchTunnel("after-flood", "/hi")).status, 200);
  // A signed-in connection no longer counts: three silent ones fit beside it again.
  const again = await silentConnections(relay.sshPort, 3);
  await sleep(500);
  assert.deepEqual(
    again.map((socket) => socket.destroyed),
    [false, false, false],
  );
  for (const socket of again) socket.destroy();
});

/** `count` connections to the relay's SSH port that never say anything, once connected. */
async function silentConnections(port: number, count: number): Promise<net.Socket[]> {
  const sockets = Array.from({ length: count }, () => {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.resume();
    return socket;
  });
  await Promise.all(sockets.map((socket) => once(socket, "connect")));
  return sockets;
}
