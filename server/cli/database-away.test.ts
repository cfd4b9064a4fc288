import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTcpProxy, type TcpProxy } from "../testing/tcp-proxy.ts";
import { createCliSandbox, runCli } from "./testing/run-cli.ts";

/** Commands against a database that refuses or stops answering: one line that says so, in time. */
const { database, env } = await createCliSandbox("cli_db_away");
let proxy: TcpProxy;
let proxiedUrl: string;
before(async () => {
  const direct = new URL(database.url);
  proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const url = new URL(database.url);
  url.port = String(proxy.port);
  // A password in the URL must never be printed (a trusting test server ignores it).
  url.password = "hunter2-secret";
  proxiedUrl = url.toString();
});
after(() => proxy.close());

function assertOneLineError(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(result.code, 0, `expected failure, stderr: ${result.stderr}`);
  assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
  assert.match(result.stderr.trimEnd(), pattern);
  assert.doesNotMatch(result.stderr, /hunter2-secret/);
}

test("a database that resets connections is named in one line, as one that refuses them", async () => {
  proxy.cut();
  try {
    const result = await runCli(["user", "list"], { env: { ...env, DATABASE_URL: proxiedUrl } });
    assertOneLineError(
      result,
      /^burrow user list: Cannot reach the database at .*127\.0\.0\.1:\d+\/.*: is PostgreSQL running\?$/,
    );
  } finally {
    proxy.restore();
  }
});

test("a database that does not answer at all ends the command in seconds, saying so", async () => {
  proxy.hang();
  try {
    const started = Date.now();
    const result = await runCli(["user", "list"], {
      env: { ...env, DATABASE_URL: proxiedUrl },
      timeoutMs: 30_000,
    });
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
    assertOneLineError(
      result,
      /^burrow user list: Cannot reach the database at .*: is PostgreSQL running\?$/,
    );
  } finally {
    proxy.restore();
  }
});
