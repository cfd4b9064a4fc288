/**
 * A request the tunnel's app holds past the relay's waiting threshold
 * (BURROW_LOG_WAITING_AFTER_SECONDS, 1 s here instead of 10) reads as waiting in `ssh … logs` and
 * `burrow logs`, with how long it has waited, and as completed once the app answers: one line each
 * in a follower, also in one whose status filter could not match it while it waited.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runCli } from "../cli/testing/run-cli.ts";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";

let t: TestRelay;
let home: string;
before(async () => {
  t = await startTestRelay({ BURROW_LOG_WAITING_AFTER_SECONDS: "1" });
  home = mkdtempSync(join(tmpdir(), "burrow-logs-waiting-"));
});
after(async () => {
  await t.close();
  rmSync(home, { recursive: true, force: true });
});

/** The object of `burrow logs --json` about `path`. */
function jsonRow(stdout: string, path: string): Record<string, unknown> | undefined {
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((row) => row.path === path);
}

/** Lines of `text` about `path`. */
const linesOf = (text: string, path: string) =>
  text.split(/\r?\n/).filter((line) => line.includes(` ${path} `));

test("a request the app holds reads as waiting for it in ssh … logs and burrow logs, then as completed", async () => {
  // The relay writes a waiting request's row 1-1.2 s after it came, then the follower reads it.
  const user = await t.createUserWithKey();
  const name = "held-app";
  await t.reserve(user, name);
  let respond: ((status: number) => void) | undefined;
  const app = http.createServer((req, res) => {
    if (req.url === "/hold/report") {
      respond = (status) => res.writeHead(status, { "content-type": "text/plain" }).end("the report");
      return;
    }
    res.end("quick");
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  const port = (app.address() as AddressInfo).port;
  const tunnel = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:${port}`] });
  assert.equal(tunnel.state, "live", tunnel.stderr());
  const cli = (args: string[]) =>
    runCli(["logs", name, ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: home,
        DATABASE_URL: t.databaseUrl,
        BURROW_DATA_DIR: join(home, "data"),
      },
    });
  try {
    const follower = await t.startSsh({
      user,
      forwards: [],
      command: ["logs", name, "-f"],
      waitForTunnels: false,
    });
    // Whatever the app answers is a 2xx: while it waits, the request has no status to match.
    const only2xx = await t.startSsh({
      user,
      forwards: [],
      command: ["logs", name, "-f", "--status", "2xx"],
      waitForTunnels: false,
    });
    await follower.waitForStdout(/TIME \(UTC\)/);
    await only2xx.waitForStdout(/TIME \(UTC\)/);

    // No timeout of its own: the app holds it longer than a client's usual idle cut.
    const visitor = new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get(
          {
            host: "127.0.0.1",
            port: t.httpPort,
            path: "/hold/report",
            headers: { host: `${name}.${t.config.BURROW_DOMAIN}` },
            agent: false,
          },
          (res) => {
            let body = "";
            res.setEncoding("utf8").on("data", (chunk: string) => {
              body += chunk;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          },
        )
        .on("error", reject);
    });
    await t.waitFor(() => respond, "the app to get the request");

    // "…" for its status, its time so far, and the dashboard's words; no "0 open".
    const waitingLine =
      /^\S+ \S+ {2}GET\s+\/hold\/report\s+… {2,}(\d+\.\d+) s\s+- {2,}waiting for your app {2,}127\.0\.0\.1$/m;
    await follower.waitForStdout(waitingLine, 20_000);
    const waited = Number(waitingLine.exec(follower.stdout())![1]);
    // The setting's 1 s, not the default 10 s.
    assert.ok(waited >= 0.9 && waited < 9, `waited ${waited} s when the row was written`);
    assert.doesNotMatch(follower.stdout(), /\/hold\/report\s+0\s/);
    assert.deepEqual(linesOf(only2xx.stdout(), "/hold/report"), [], "no status yet: not a 2xx");

    // The admin CLI reads the same row the same way, and --json says it is waiting.
    const listed = await cli([]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /GET\s+\/hold\/report\s+…\s+\d+\.\d+ s\s+-\s+waiting for your app/);
    const json = await cli(["--json"]);
    assert.equal(json.code, 0, json.stderr);
    const row = jsonRow(json.stdout, "/hold/report");
    assert.deepEqual(
      { status: row?.status, openState: row?.openState, waiting: row?.waiting },
      { status: 0, openState: "open", waiting: true },
    );

    respond!(201);
    assert.deepEqual(await visitor, { status: 201, body: "the report" });
    // Completed in place: printed again, once, with what the app answered.
    const doneLine = /^\S+ \S+ {2}GET\s+\/hold\/report\s+201 {2,}\d+\.\d+ s\s+10 B out {2,}127\.0\.0\.1$/m;
    await follower.waitForStdout(doneLine, 10_000);
    await only2xx.waitForStdout(doneLine, 10_000);
    // A poll or two more: nothing printed twice.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(linesOf(follower.stdout(), "/hold/report").length, 2, follower.stdout());
    assert.equal(linesOf(only2xx.stdout(), "/hold/report").length, 1, only2xx.stdout());
    follower.kill();
    only2xx.kill();

    const done = await cli(["--json"]);
    const completed = jsonRow(done.stdout, "/hold/report");
    assert.deepEqual(
      { status: completed?.status, openState: completed?.openState, waiting: completed?.waiting },
      { status: 201, openState: null, waiting: false },
    );
  } finally {
    tunnel.kill();
    await new Promise((resolve) => app.close(resolve));
  }
});
