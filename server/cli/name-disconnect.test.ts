import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";
import { runCli } from "./testing/run-cli.ts";

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

test("name disconnect of a name nobody has says so", async () => {
  const result = await cli(["name", "disconnect", "nobody-here"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /nobody-here is not reserved/);
});
