import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";
import { runCli } from "./testing/run-cli.ts";

// `burrow user disable|enable|role` against a running relay: what the dashboard's Users page does,
// for whoever runs the server.

let t: TestRelay;
const home = mkdtempSync(join(tmpdir(), "burrow-cli-user-disable-"));
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

test("user disable closes the account's tunnels, signs it out and refuses its key until user enable", async () => {
  const user = await t.createUserWithKey();
  await t.reserve(user, "disabled-app");
  await t.db.webSession.create({ data: { userId: user.id, expiresAt: new Date(Date.now() + 3_600_000) } });
  const ssh = await t.startSsh({ user, forwards: ["disabled-app:80:127.0.0.1:9"] });
  assert.equal(ssh.state, "live", ssh.stderr());
  await t.waitFor(() => t.relay.controlListening, "the control channel");

  const disabled = await cli(["user", "disable", user.email]);
  assert.equal(disabled.code, 0, disabled.stderr);
  assert.equal(
    disabled.stdout.trim(),
    `Disabled ${user.email}; it is signed out of the dashboard; closed its tunnels: disabled-app`,
  );
  await ssh.exited;
  assert.match(ssh.stderr(), /disabled-app: closed by an administrator \(account disabled\)/);
  assert.equal(await t.db.webSession.count({ where: { userId: user.id } }), 0);
  assert.match(
    (await cli(["user", "list"])).stdout,
    new RegExp(`^${user.email}\\s+user\\s+disabled\\s`, "m"),
  );
  const refused = await t.startSsh({ user, forwards: ["disabled-app:80:127.0.0.1:9"] });
  assert.equal(refused.state, "exited");
  assert.match(refused.stderr(), /this account is disabled/);
  // Again: nothing to do, said so, not an error.
  const again = await cli(["user", "disable", user.email]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /is already disabled/);

  const enabled = await cli(["user", "enable", user.email]);
  assert.equal(enabled.code, 0, enabled.stderr);
  assert.equal(enabled.stdout.trim(), `Enabled ${user.email}`);
  const back = await t.startSsh({ user, forwards: ["disabled-app:80:127.0.0.1:9"] });
  assert.equal(back.state, "live", back.stderr());
  back.kill();
  await back.exited;
});

test("user role makes an admin or a user, and the only admin is neither disabled nor demoted", async () => {
  const admin = await t.createUserWithKey({ email: "only-admin@example.com" });
  await t.db.user.update({ where: { id: admin.id }, data: { role: "ADMIN" } });
  const other = await t.createUserWithKey({ email: "next-admin@example.com" });

  for (const args of [
    ["user", "disable", admin.email],
    ["user", "role", admin.email, "user"],
  ]) {
    const refused = await cli(args);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      /only-admin@example\.com is the only admin: make another account an admin first \(npm run burrow -- user role <email> admin\)/,
    );
  }
  const badRole = await cli(["user", "role", other.email, "root"]);
  assert.equal(badRole.code, 2);
  assert.match(badRole.stderr, /the role is admin or user, not "root"/);
  const unknown = await cli(["user", "disable", "nobody@example.com"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /No user with the email nobody@example\.com/);
  const untouched = await t.db.user.findMany({
    where: { id: { in: [admin.id, other.id] } },
    select: { role: true, disabledAt: true },
    orderBy: { email: "desc" },
  });
  assert.deepEqual(untouched, [
    { role: "ADMIN", disabledAt: null },
    { role: "USER", disabledAt: null },
  ]);

  const promoted = await cli(["user", "role", other.email, "Admin"]);
  assert.equal(promoted.code, 0, promoted.stderr);
  assert.equal(promoted.stdout.trim(), `${other.email} is now an admin`);
  const demoted = await cli(["user", "role", admin.email, "user"]);
  assert.equal(demoted.code, 0, demoted.stderr);
  assert.equal(demoted.stdout.trim(), `${admin.email} is now a regular user`);
  assert.equal((await t.db.user.findUniqueOrThrow({ where: { id: admin.id } })).role, "USER");
});
