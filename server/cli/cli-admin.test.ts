import assert from "node:assert/strict";
import { test } from "node:test";
import { createCliSandbox, runCli } from "./testing/run-cli.ts";

// `name list`, `name release`, `name reserve` and `user delete` as an admin runs them for others.

const { database, env } = await createCliSandbox("cli_admin", {
  BURROW_PASSWORD: "correct horse battery",
  BURROW_RANDOM_NAME_HOURS: "24",
  BURROW_MAX_NAMES: "2",
  // The CLI prints local times: UTC here, whatever the machine's zone.
  TZ: "UTC",
});
const cli = (args: string[]) => runCli(args, { env });
const HOUR_MS = 60 * 60 * 1000;

async function addUser(email: string): Promise<string> {
  const added = await cli(["user", "add", email]);
  assert.equal(added.code, 0, added.stderr);
  return (await database.db.user.findUniqueOrThrow({ where: { email } })).id;
}

test("name list shows the random names still kept, marked random with until when", async () => {
  const carl = await addUser("carl@example.com");
  const dana = await addUser("dana@example.com");
  await database.db.reservation.create({ data: { name: "carls-app", userId: carl } });
  const endedAt = new Date(Date.now() - 2 * HOUR_MS);
  await database.db.tunnelSession.createMany({
    data: [
      // Closed two hours ago: kept 22 more hours.
      { name: "quiet-otter-42", userId: carl, clientIp: "127.0.0.1", randomName: true, endedAt },
      // Up now: kept for 24 h once it closes.
      { name: "brave-fox-7", userId: dana, clientIp: "127.0.0.1", randomName: true },
      // Closed two days ago: no longer kept.
      {
        name: "old-owl-1",
        userId: carl,
        clientIp: "127.0.0.1",
        randomName: true,
        startedAt: new Date(Date.now() - 49 * HOUR_MS),
        endedAt: new Date(Date.now() - 48 * HOUR_MS),
      },
    ],
  });
  const until = new Date(endedAt.getTime() + 24 * HOUR_MS).toISOString().slice(0, 19).replace("T", " ");

  const all = await cli(["name", "list"]);
  assert.equal(all.code, 0, all.stderr);
  assert.match(
    all.stdout,
    /^NAME\s+OWNER\s+STATE\s+ACCESS\s+APP HOST\s+BODIES\s+REQUESTS 24H\s+LAST SEEN\s+KEPT$/m,
  );
  assert.match(all.stdout, /^carls-app\s+carl@example\.com\s+offline\s+public\s+.*\s+reserved$/m);
  assert.match(
    all.stdout,
    new RegExp(
      `^quiet-otter-42\\s+carl@example\\.com\\s+offline\\s+public\\s+as sent\\s+no\\s+0\\s+\\S+ \\S+\\s+random, until ${until}$`,
      "m",
    ),
  );
  assert.match(
    all.stdout,
    /^brave-fox-7\s+dana@example\.com\s+online\s+.*\s+now\s+random, 24 h after it goes offline$/m,
  );
  assert.doesNotMatch(all.stdout, /old-owl-1/);

  const carls = await cli(["name", "list", "carl@example.com"]);
  assert.match(carls.stdout, /^quiet-otter-42\s+carl@example\.com\s+.*random, until/m);
  assert.doesNotMatch(carls.stdout, /brave-fox-7/);

  // Found, it can be freed by name.
  const released = await cli(["name", "release", "quiet-otter-42", "--yes"]);
  assert.equal(released.code, 0, released.stderr);
  assert.doesNotMatch((await cli(["name", "list"])).stdout, /quiet-otter-42/);
});

test("without --yes, user delete and name release say first that a connected tunnel refuses them", async () => {
  const erin = await addUser("erin@example.com");
  await database.db.reservation.create({ data: { name: "erins-app", userId: erin } });
  const session = await database.db.tunnelSession.create({
    data: { name: "erins-app", userId: erin, clientIp: "127.0.0.1" },
  });

  const deleting = await cli(["user", "delete", "erin@example.com"]);
  assert.notEqual(deleting.code, 0);
  assert.equal(
    deleting.stderr.trim(),
    "burrow user delete: not possible now: erins-app of erin@example.com is connected right now: stop its tunnel first " +
      "(npm run burrow -- name disconnect erins-app). " +
      "Once it is, this deletes erin@example.com with the name erins-app (and its request logs), its keys, share links, " +
      "tunnel history, sign-ins and the request logs of its random-name tunnels; then run again with --yes.",
  );
  const releasing = await cli(["name", "release", "erins-app"]);
  assert.notEqual(releasing.code, 0);
  assert.equal(
    releasing.stderr.trim(),
    "burrow name release: not possible now: erins-app is connected right now: stop the tunnel first, then release it " +
      "(npm run burrow -- name disconnect erins-app). " +
      "Once it is, this releases erins-app (of erin@example.com) and deletes no logged requests; then run again with --yes.",
  );

  // Once the tunnel is gone, the plain account of what would go.
  await database.db.tunnelSession.update({ where: { id: session.id }, data: { endedAt: new Date() } });
  assert.match(
    (await cli(["user", "delete", "erin@example.com"])).stderr,
    /^burrow user delete: this deletes erin@/,
  );
  assert.match(
    (await cli(["name", "release", "erins-app"])).stderr,
    /^burrow name release: this releases erins-app/,
  );
  assert.equal(await database.db.user.count({ where: { id: erin } }), 1);
});

test("name reserve at the limit names the account, not 'you'", async () => {
  await addUser("fay@example.com");
  for (const name of ["fays-one", "fays-two"]) {
    const reserved = await cli(["name", "reserve", "fay@example.com", name]);
    assert.equal(reserved.code, 0, reserved.stderr);
  }
  const over = await cli(["name", "reserve", "fay@example.com", "fays-three"]);
  assert.notEqual(over.code, 0);
  assert.match(
    over.stderr,
    /fay@example\.com already has 2 names \(BURROW_MAX_NAMES is 2\): release one \(name list fay@example\.com shows them\) or raise BURROW_MAX_NAMES/,
  );
  assert.doesNotMatch(over.stderr, /You have/);
  assert.match(
    (await cli(["name", "reserve", "fay@example.com", "fays-one"])).stderr,
    /fays-one is already fay@example\.com's/,
  );
});

// Last: it leaves a hundred random names behind.
test("name list says when it shows only the most recent random names", async () => {
  const before = await cli(["name", "list"]);
  assert.doesNotMatch(before.stderr, /random names are listed/);
  const gus = await addUser("gus@example.com");
  await database.db.tunnelSession.createMany({
    data: Array.from({ length: 101 }, (_, i) => ({
      name: `many-names-${i}`,
      userId: gus,
      clientIp: "127.0.0.1",
      randomName: true,
      startedAt: new Date(Date.now() - (i + 1) * 60_000),
      endedAt: new Date(Date.now() - i * 60_000),
    })),
  });
  const listed = await cli(["name", "list"]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^many-names-0\s/m, "the most recent is listed");
  assert.doesNotMatch(listed.stdout, /^many-names-100\s/m);
  assert.equal(
    listed.stderr.trim(),
    "Only the 100 most recently used random names are listed; Admin → Names on the dashboard searches them all.",
  );
});
