import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { createCliSandbox, runCli } from "./testing/run-cli.ts";

// `--json` on the listing commands: one object per line, for scripts (jq, a monitoring check).

const { database, dir, env } = await createCliSandbox("cli_json", {
  BURROW_PASSWORD: "correct horse battery",
  BURROW_RANDOM_NAME_HOURS: "24",
});
const cli = (args: string[]) => runCli(args, { env });

/** Each stdout line parsed on its own, as `jq -c` or a script reading line by line would. */
function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test("user list, key list and name list --json print one object per line with the table's facts; empty lists print nothing", async () => {
  const [noUsers, noNames] = await Promise.all([
    cli(["user", "list", "--json"]),
    cli(["name", "list", "--json"]),
  ]);
  assert.equal(noUsers.code, 0, noUsers.stderr);
  assert.equal(noUsers.stdout, "", "no 'No accounts yet' sentence in a JSON stream");
  assert.equal(noNames.stdout, "");

  for (const email of ["json@example.com", "other@example.com"]) {
    const added = await cli(["user", "add", email]);
    assert.equal(added.code, 0, added.stderr);
  }
  assert.equal((await cli(["user", "disable", "other@example.com"])).code, 0);
  const owner = await database.db.user.findUniqueOrThrow({ where: { email: "json@example.com" } });
  // A label with a control character: escaped in JSON, so the line still parses.
  execFileSync("ssh-keygen", [
    "-q",
    "-t",
    "ed25519",
    "-N",
    "",
    "-C",
    "laptop\u0007",
    "-f",
    join(dir, "id_json"),
  ]);
  assert.equal((await cli(["key", "add", "json@example.com", join(dir, "id_json.pub")])).code, 0);
  await database.db.reservation.create({
    data: { name: "json-app", userId: owner.id, accessMode: "PASSWORD", passwordHash: "-", keepBodies: true },
  });
  const endedAt = new Date(Date.now() - 60 * 60 * 1000);
  await database.db.tunnelSession.create({
    data: { name: "calm-heron-3", userId: owner.id, clientIp: "127.0.0.1", randomName: true, endedAt },
  });

  const users = await cli(["user", "list", "--json"]);
  assert.equal(users.code, 0, users.stderr);
  assert.deepEqual(
    jsonLines(users.stdout).map(({ createdAt, disabledAt, ...rest }) => ({
      ...rest,
      created: typeof createdAt === "string" && !Number.isNaN(Date.parse(createdAt)),
      disabled: disabledAt !== null,
    })),
    [
      { email: "json@example.com", role: "admin", names: 1, keys: 1, created: true, disabled: false },
      { email: "other@example.com", role: "user", names: 0, keys: 0, created: true, disabled: true },
    ],
  );

  const keys = await cli(["key", "list", "json@example.com", "--json"]);
  assert.equal(keys.code, 0, keys.stderr);
  const [key, ...moreKeys] = jsonLines(keys.stdout);
  assert.deepEqual(moreKeys, []);
  assert.equal(key?.label, "laptop\u0007");
  assert.ok(keys.stdout.includes("laptop\\u0007"), "the control character is escaped on the line");
  assert.equal(key?.algorithm, "ssh-ed25519");
  assert.equal(key?.bits, 256);
  assert.match(String(key?.fingerprint), /^SHA256:/);
  assert.equal(key?.lastUsedAt, null);
  assert.deepEqual(key?.connectedNames, []);

  const names = await cli(["name", "list", "--json"]);
  assert.equal(names.code, 0, names.stderr);
  const [reserved, random] = jsonLines(names.stdout);
  assert.deepEqual(reserved, {
    name: "json-app",
    owner: "json@example.com",
    random: false,
    online: false,
    access: "password",
    allowedNetworks: [],
    hostLocalhost: false,
    keepBodies: true,
    requests24h: 0,
    lastSeenAt: null,
    keptUntil: null,
  });
  assert.equal(random?.name, "calm-heron-3");
  assert.equal(random?.random, true);
  assert.equal(random?.lastSeenAt, endedAt.toISOString());
  assert.equal(random?.keptUntil, new Date(endedAt.getTime() + 24 * 60 * 60 * 1000).toISOString());

  // The text table is still the default.
  assert.match((await cli(["user", "list"])).stdout, /^EMAIL\s+ROLE/);
});

test("name list --json: an online name was last seen now, random or reserved, as the table says", async () => {
  assert.equal((await cli(["user", "add", "online@example.com"])).code, 0);
  const owner = await database.db.user.findUniqueOrThrow({ where: { email: "online@example.com" } });
  await database.db.reservation.create({ data: { name: "online-app", userId: owner.id } });
  // Open sessions (no endedAt), started just now: up, whichever relay holds them.
  await database.db.tunnelSession.createMany({
    data: [
      { name: "online-app", userId: owner.id, clientIp: "127.0.0.1" },
      { name: "brisk-wren-5", userId: owner.id, clientIp: "127.0.0.1", randomName: true },
    ],
  });

  const before = Date.now();
  const listed = await cli(["name", "list", "online@example.com", "--json"]);
  const after = Date.now();
  assert.equal(listed.code, 0, listed.stderr);
  const lines = jsonLines(listed.stdout);
  assert.deepEqual(
    lines.map(({ name, online, keptUntil }) => ({ name, online, keptUntil })),
    [
      { name: "online-app", online: true, keptUntil: null },
      { name: "brisk-wren-5", online: true, keptUntil: null },
    ],
  );
  for (const line of lines) {
    const seen = Date.parse(String(line.lastSeenAt));
    assert.ok(seen >= before && seen <= after, `${line.name} lastSeenAt ${String(line.lastSeenAt)}`);
  }

  const table = await cli(["name", "list", "online@example.com"]);
  assert.match(table.stdout, /^online-app\s.*\snow\s+reserved$/m);
  assert.match(table.stdout, /^brisk-wren-5\s.*\snow\s+random,/m);
});
