/**
 * `burrow logs -f --status 5xx` against a real relay (BURROW_LOG_WAITING_AFTER_SECONDS 1 s instead
 * of 10) and real PostgreSQL: a request waiting for the app when the follow starts, so left out of
 * its first lines, and answered 504 before its first look, is printed once.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";
import { cliArgs, testEnvironment } from "./testing/run-cli.ts";

let t: TestRelay;
let home: string;
before(async () => {
  t = await startTestRelay({ BURROW_LOG_WAITING_AFTER_SECONDS: "1" });
  home = mkdtempSync(join(tmpdir(), "burrow-logs-follow-waiting-"));
});
after(async () => {
  await t.close();
  rmSync(home, { recursive: true, force: true });
});

/** How the follower's LISTEN connection names itself (createLogAnnouncements' default). */
const LISTEN_APPLICATION_NAME = "burrow-dashboard-live";

/**
 * A TCP proxy to PostgreSQL that holds back each connection whose startup message names
 * `applicationName` until `release()`, passing the others through. The follower subscribes to the
 * announcements before its first look, so holding its LISTEN connection holds that look at a point
 * the test chooses (after its first lines, after the answer), every time rather than by luck.
 */
async function startHoldingProxy(target: URL, applicationName: string) {
  const startup = Buffer.from(`application_name\0${applicationName}\0`);
  let held: (() => void)[] = [];
  let released = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("error", () => {});
    client.once("data", (first: Buffer) => {
      client.pause();
      const pass = () => {
        // Given up meanwhile (its connect timeout): nothing to pass on.
        if (client.destroyed) return;
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
        };
        upstream.on("error", drop).on("close", drop);
        client.on("close", drop);
        upstream.write(first);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      };
      if (!released && first.includes(startup)) held.push(pass);
      else pass();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(target);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    held: () => held.length,
    release() {
      released = true;
      for (const pass of held) pass();
      held = [];
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

test("logs -f --status 5xx prints a request waiting at its first lines and answered 504 before its first look", async () => {
  const user = await t.createUserWithKey();
  const name = "waits-at-start";
  await t.reserve(user, name);
  let respond: ((status: number) => void) | undefined;
  const app = http.createServer((req, res) => {
    if (req.url === "/slow-report") {
      respond = (status) => res.writeHead(status, { "content-type": "text/plain" }).end("timed out");
      return;
    }
    res.end("quick");
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  const tunnel = await t.startSsh({
    user,
    forwards: [`${name}:80:127.0.0.1:${(app.address() as AddressInfo).port}`],
  });
  assert.equal(tunnel.state, "live", tunnel.stderr());
  const proxy = await startHoldingProxy(new URL(t.databaseUrl), LISTEN_APPLICATION_NAME);
  let follower: ReturnType<typeof spawn> | undefined;
  try {
    const visitor = new Promise<number>((resolve, reject) => {
      http
        .get(
          {
            host: "127.0.0.1",
            port: t.httpPort,
            path: "/slow-report",
            headers: { host: `${name}.${t.config.BURROW_DOMAIN}` },
            agent: false,
          },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        )
        .on("error", reject);
    });
    const rowOf = () =>
      t.db.requestLog.findFirst({ where: { name, path: "/slow-report" }, select: { status: true } });
    // Written waiting (status 0) about 1 s after it came, before the follow starts.
    await t.waitFor(async () => (await rowOf())?.status === 0 || undefined, "the waiting row", 20_000);

    follower = spawn(process.execPath, cliArgs(["logs", name, "-f", "--status", "5xx"]), {
      env: testEnvironment({
        PATH: process.env.PATH,
        HOME: home,
        DATABASE_URL: proxy.url,
        BURROW_DATA_DIR: join(home, "data"),
      }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    follower.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    follower.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise((resolve) => follower?.on("close", resolve));
    // Its first lines are out (only the header: no status yet, not a 5xx), and its first look
    // waits for the LISTEN connection the proxy holds.
    await t.waitFor(() => /^TIME\s+METHOD/m.test(stdout) || undefined, `the first lines (${stderr})`);
    await t.waitFor(() => proxy.held() === 1 || undefined, "the follower to subscribe");
    assert.doesNotMatch(stdout, /\/slow-report/);

    respond!(504);
    assert.equal(await visitor, 504);
    // The relay's log writer has completed the row: the first look will not find it waiting.
    await t.waitFor(async () => (await rowOf())?.status === 504 || undefined, "the answer in the log");
    proxy.release();

    const answered = /GET\s+\/slow-report\s+504\s/;
    await t.waitFor(
      () => answered.test(stdout) || undefined,
      `the answered request (printed: ${stdout})`,
      15_000,
    );
    // A poll or two more: printed once.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(stdout.split("\n").filter((line) => line.includes("/slow-report")).length, 1, stdout);
    follower.kill("SIGINT");
    await exited;
  } finally {
    follower?.kill("SIGKILL");
    tunnel.kill();
    await proxy.close();
    await new Promise((resolve) => app.close(resolve));
  }
});
