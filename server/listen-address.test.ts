/**
 * The default listen address: a relay started without BURROW_LISTEN_HOST takes visitors and SSH
 * clients over IPv6 as well as IPv4 (the deploy guide tells operators to add AAAA records), and
 * logs each visitor's and tunnel client's address as written in its own family (never "::ffff:127.0.0.1").
 */
import assert from "node:assert/strict";
import http from "node:http";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { after, before, test } from "node:test";
import { startTestRelay, type TestRelay } from "./testing/harness.ts";

let t: TestRelay;

before(async () => {
  t = await startTestRelay({ BURROW_LISTEN_HOST: "" });
  const user = await t.createUserWithKey();
  await t.reserve(user, "both");
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`both:80:127.0.0.1:${app.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());
});

after(async () => {
  await t?.close();
});

function visit(address: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(
        {
          host: address,
          port: t.httpPort,
          path,
          headers: { host: `both.localhost:${t.httpPort}` },
          agent: false,
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      )
      .on("error", reject);
  });
}

function sshBanner(address: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(t.sshPort, address);
    socket.setEncoding("latin1");
    socket.once("data", (data: string) => {
      socket.destroy();
      resolve(data);
    });
    socket.on("error", reject);
  });
}

/** Whether this host has IPv6 at all (its loopback ::1 at least). */
const DUAL_STACK = Object.values(networkInterfaces()).some((list) => list?.some((a) => a.family === "IPv6"));

test("IPv4 visitors get in and are logged as IPv4", async () => {
  assert.equal(await visit("127.0.0.1", "/v4"), 200);
  const row = await t.waitFor(() => t.db.requestLog.findFirst({ where: { path: "/v4" } }), "the /v4 row");
  assert.equal(row.clientIp, "127.0.0.1");
  assert.match(await sshBanner("127.0.0.1"), /^SSH-2\.0-/);
  // The tunnel's own client (ssh to 127.0.0.1), as the dashboard's "From" shows it.
  const session = await t.db.tunnelSession.findFirstOrThrow({ where: { name: "both" } });
  assert.equal(session.clientIp, "127.0.0.1");
});

test("IPv6 visitors and SSH clients get in too", {
  skip: !DUAL_STACK && "this host has no IPv6",
}, async () => {
  assert.equal(await visit("::1", "/v6"), 200);
  const row = await t.waitFor(() => t.db.requestLog.findFirst({ where: { path: "/v6" } }), "the /v6 row");
  assert.equal(row.clientIp, "::1");
  assert.match(await sshBanner("::1"), /^SSH-2\.0-/);
});
