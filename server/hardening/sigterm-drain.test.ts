import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createTestDatabase } from "../../lib/testing/db.ts";
import { createUserWithKey } from "../testing/harness.ts";
import { type Child, startChild } from "./process.ts";

const SLOW_MS = 3_000;
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

function get(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, headers: { host }, agent: false, timeout: 15_000 }, (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

test("SIGTERM to `tsx server/main.ts`: a slow in-flight request completes with 200, new connections are refused, exit 0", async () => {
  const database = await createTestDatabase("sigterm");
  cleanups.push(() => database.drop());
  const scratch = await mkdtemp(join(tmpdir(), "burrow-sigterm-"));
  cleanups.push(() => rm(scratch, { recursive: true, force: true }));

  const { id: userId, keyPath } = await createUserWithKey(database.db, scratch, {
    email: "drain@burrow.test",
  });
  await database.db.reservation.create({ data: { name: "drain", userId } });

  let slowArrived = false;
  const app = http.createServer((req, res) => {
    if (req.url === "/slow") {
      slowArrived = true;
      setTimeout(() => res.end("slow done"), SLOW_MS);
    } else res.end("ok");
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    app.closeAllConnections();
    app.close();
  });
  const appPort = (app.address() as AddressInfo).port;

  const relay: Child = startChild(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "../main.ts")],
    {
      DATABASE_URL: database.url,
      BURROW_DOMAIN: "localhost",
      BURROW_LISTEN_HOST: "127.0.0.1",
      BURROW_SSH_PORT: "0",
      BURROW_HTTP_PORT: "0",
      BURROW_DATA_DIR: join(scratch, "data"),
    },
  );
  cleanups.push(() => relay.kill());
  await relay.waitForOutput(/ssh on port \d+, http on port \d+/, 20_000);
  const [, sshPort = "", httpPort = ""] = /ssh on port (\d+), http on port (\d+)/.exec(relay.output()) ?? [];

  const ssh = startChild(
    "ssh",
    [
      ...["-F", "/dev/null", "-i", keyPath, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"],
      ...[
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "ExitOnForwardFailure=yes",
      ],
      ...["-N", "-p", sshPort, "-R", `drain:80:127.0.0.1:${appPort}`, "burrow@127.0.0.1"],
    ],
    {},
  );
  cleanups.push(() => ssh.kill());
  const port = Number(httpPort);
  const deadline = Date.now() + 15_000;
  while ((await get(port, "drain.localhost", "/").catch(() => ({ status: 0 }))).status !== 200) {
    assert.ok(
      Date.now() < deadline && ssh.child.exitCode === null,
      `the tunnel never served:\n${ssh.output()}`,
    );
    await sleep(50);
  }

  const slow = get(port, "drain.localhost", "/slow");
  let slowDone = false;
  void slow.finally(() => {
    slowDone = true;
  });
  for (let i = 0; i < 200 && !slowArrived; i++) await sleep(25);
  assert.ok(slowArrived, "the slow request reached the app");

  relay.child.kill("SIGTERM");
  const termAt = Date.now();
  let refused = false;
  while (!refused && Date.now() - termAt < 2_000) {
    refused = await connectionRefused(port);
    if (!refused) await sleep(25);
  }
  assert.ok(refused, "new connections are still accepted after SIGTERM");
  assert.equal(slowDone, false, "the check ran while the request was in flight");

  assert.deepEqual(await slow, { status: 200, body: "slow done" });
  const code = await Promise.race([relay.exited, sleep(15_000).then(() => "still running")]);
  assert.equal(code, 0, relay.output());
});
