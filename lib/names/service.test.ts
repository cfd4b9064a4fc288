import assert from "node:assert/strict";
import { after, test } from "node:test";
import { AppError } from "../errors.ts";
import { finishLogDeletion } from "../request-logs/deletions.ts";
import { createTestDatabase, holdLogRow } from "../testing/db.ts";
import {
  getNameForUser,
  isNameAvailable,
  listAllNames,
  listAllRandomNames,
  listNames,
  listRandomNames,
  releaseAnyName,
  releaseName,
  reserveName,
} from "./service.ts";

const database = await createTestDatabase("names");
after(() => database.drop());
const { db } = database;

const ann = await db.user.create({ data: { email: "ann@example.com", passwordHash: "x" } });
const bob = await db.user.create({ data: { email: "bob@example.com", passwordHash: "x" } });
const quota = { maxNames: 3 };

const rejects = (promise: Promise<unknown>, code: string, message?: RegExp) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  });

const openSession = (userId: string, name: string, reservationId: string | null = null) =>
  db.tunnelSession.create({
    data: { userId, name, reservationId, clientIp: "203.0.113.7", randomName: reservationId === null },
  });

/** Ends a session, as the relay does when its tunnel closes. */
const closeSession = (session: { id: string }) =>
  db.tunnelSession.update({
    where: { id: session.id },
    data: { endedAt: new Date(), endReason: "client_closed" },
  });

/** One request in a name's log, just now. */
const logRequest = (name: string) =>
  db.requestLog.create({
    data: { name, method: "GET", path: "/", status: 200, durationMs: 1, clientIp: "203.0.113.9" },
  });

test("a name is validated and normalised before it is reserved", async () => {
  const reservation = await reserveName(db, ann.id, "  MyApp ", quota);
  assert.equal(reservation.name, "myapp");
  assert.equal(reservation.userId, ann.id);
  assert.equal(reservation.accessMode, "PUBLIC");
  assert.equal("passwordHash" in reservation, false);
  await rejects(reserveName(db, ann.id, "a", quota), "invalid_input", /at least 3/);
  await rejects(reserveName(db, ann.id, "admin", quota), "invalid_input", /reserved/);
  await rejects(reserveName(db, ann.id, "my_app", quota), "invalid_input", /letters/);
});

test("a taken name is a conflict for everyone, owner included (told it is theirs)", async () => {
  await rejects(reserveName(db, bob.id, "myapp", quota), "conflict", /^myapp is already taken$/);
  await rejects(reserveName(db, ann.id, "MYAPP", quota), "conflict", /^myapp is already yours$/);
  // A random name in use is bound though not reserved.
  await openSession(bob.id, "k3j5h2g7f8d9s1");
  await rejects(reserveName(db, ann.id, "k3j5h2g7f8d9s1", quota), "conflict", /already taken/);
});

test("a random name is never reservable by another user, even long after its tunnel closed", async () => {
  const session = await openSession(bob.id, "q8w7e6r5t4y3u2");
  await db.tunnelSession.update({
    where: { id: session.id },
    data: { endedAt: new Date(Date.now() - 90 * 24 * 3_600_000), endReason: "client_closed" },
  });
  // Anyone who got the link would otherwise reach whoever reserved it next.
  await rejects(
    reserveName(db, ann.id, "q8w7e6r5t4y3u2", quota),
    "conflict",
    /^q8w7e6r5t4y3u2 is already taken$/,
  );
  assert.equal((await isNameAvailable(db, "q8w7e6r5t4y3u2", ann.id)).available, false);
});

test("a user may reserve the random name they were given, live or not, and keeps its log", async () => {
  await openSession(ann.id, "z1x2c3v4b5n6m7");
  await logRequest("z1x2c3v4b5n6m7");
  assert.deepEqual(await isNameAvailable(db, "z1x2c3v4b5n6m7", ann.id), { available: true });
  const reservation = await reserveName(db, ann.id, "z1x2c3v4b5n6m7", quota);
  assert.equal(reservation.userId, ann.id);
  assert.ok(reservation.lastSeenAt, "it was seen (it is connected): not 'never'");
  assert.equal(await db.requestLog.count({ where: { name: "z1x2c3v4b5n6m7" } }), 1);
  await db.reservation.delete({ where: { id: reservation.id } });
});

test("releasing a name that was one's random name gives it up: anyone may reserve it after", async () => {
  await closeSession(await openSession(ann.id, "p0o9i8u7y6t5r4"));
  await reserveName(db, ann.id, "p0o9i8u7y6t5r4", quota);
  await releaseName(db, ann.id, "p0o9i8u7y6t5r4");
  // What the release dialog promises: without this it would stay ann's random name for good.
  assert.deepEqual(await isNameAvailable(db, "p0o9i8u7y6t5r4", bob.id), { available: true });
  await assert.rejects(getNameForUser(db, ann.id, "p0o9i8u7y6t5r4"), /You have no name called/);
});

test("an admin frees a random name: refused while its tunnel is up, then its log goes and anyone may reserve it", async () => {
  const session = await openSession(bob.id, "a9s8d7f6g5h4j3");
  await logRequest("a9s8d7f6g5h4j3");
  await rejects(releaseAnyName(db, "a9s8d7f6g5h4j3"), "conflict", /connected right now/);
  await closeSession(session);
  await releaseAnyName(db, "A9S8D7F6G5H4J3");
  await finishLogDeletion(db, "a9s8d7f6g5h4j3");
  assert.equal(await db.requestLog.count({ where: { name: "a9s8d7f6g5h4j3" } }), 0);
  const reservation = await reserveName(db, ann.id, "a9s8d7f6g5h4j3", quota);
  assert.equal(reservation.lastSeenAt, null, "nothing of bob's carries over");
  await db.reservation.delete({ where: { id: reservation.id } });
  await rejects(releaseAnyName(db, "never-used-name"), "not_found", /^never-used-name is not reserved$/);
});

test("availability: valid and free, invalid, taken", async () => {
  assert.deepEqual(await isNameAvailable(db, "free-name"), { available: true });
  assert.deepEqual(await isNameAvailable(db, "myapp"), {
    available: false,
    reason: "taken",
    message: "myapp is already taken",
  });
  assert.deepEqual(await isNameAvailable(db, "myapp", ann.id), {
    available: false,
    reason: "taken",
    message: "myapp is already yours",
  });
  const invalid = await isNameAvailable(db, "-bad");
  assert.equal(invalid.available, false);
  assert.match(invalid.reason ?? "", /hyphen/);
});

test("the quota is enforced, also under concurrent requests", async () => {
  const results = await Promise.allSettled(
    ["one", "two", "three", "four"].map((n) => reserveName(db, bob.id, `bob-${n}`, quota)),
  );
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 3);
  await rejects(reserveName(db, bob.id, "bob-five", quota), "forbidden", /your limit of 3 names/);
});

test("release: refused while connected, not yours is not_found, and it forgets the name's logs", async () => {
  const reservation = await reserveName(db, ann.id, "live-one", quota);
  const session = await openSession(ann.id, "live-one", reservation.id);
  await rejects(
    releaseName(db, ann.id, "live-one"),
    "conflict",
    /^live-one is connected right now: stop the tunnel first, then release it$/,
  );
  await rejects(releaseName(db, bob.id, "live-one"), "not_found");
  await rejects(releaseAnyName(db, "live-one"), "conflict", /connected right now/);
  await db.tunnelSession.update({ where: { id: session.id }, data: { endedAt: new Date() } });
  await db.requestLog.create({
    data: { name: "live-one", method: "GET", path: "/", status: 200, durationMs: 1, clientIp: "1.2.3.4" },
  });
  await releaseName(db, ann.id, "Live-One");
  await finishLogDeletion(db, "live-one");
  assert.equal(await db.requestLog.count({ where: { name: "live-one" } }), 0);
  assert.equal((await isNameAvailable(db, "live-one")).available, true);
  await rejects(releaseName(db, ann.id, "live-one"), "not_found", /You have no name called live-one/);
});

test("listNames shows online state, the current session and requests of the last 24 hours", async () => {
  const web = await reserveName(db, ann.id, "web", quota);
  await openSession(ann.id, "web", web.id);
  const now = Date.now();
  await db.requestLog.createMany({
    data: [
      { name: "web", method: "GET", path: "/", status: 200, durationMs: 1, clientIp: "1.1.1.1" },
      { name: "web", method: "GET", path: "/a", status: 500, durationMs: 1, clientIp: "1.1.1.1" },
      {
        name: "web",
        method: "GET",
        path: "/old",
        status: 200,
        durationMs: 1,
        clientIp: "1.1.1.1",
        at: new Date(now - 25 * 3_600_000),
      },
      { name: "myapp", method: "POST", path: "/", status: 201, durationMs: 1, clientIp: "1.1.1.1" },
    ],
  });
  const list = await listNames(db, ann.id);
  assert.deepEqual(
    list.map((n) => [n.name, n.online, n.requests24h]),
    [
      ["myapp", false, 1],
      ["web", true, 2],
    ],
  );
  const live = list.find((n) => n.name === "web")!;
  assert.equal(live.currentSession?.clientIp, "203.0.113.7");
  assert.equal(typeof live.currentSession?.bytesIn, "number");
  assert.equal(list.find((n) => n.name === "myapp")!.currentSession, undefined);
  assert.deepEqual(await listNames(db, "nobody"), []);

  const { names: all } = await listAllNames(db);
  assert.deepEqual(
    all.map((n) => n.name),
    all.map((n) => n.name).sort(),
  );
  for (const n of all)
    assert.equal(n.email, n.name.startsWith("bob-") ? "bob@example.com" : "ann@example.com");
  assert.equal((await listAllNames(db, { userId: ann.id })).names.length, 2);
  // An admin's search: part of a name or of its owner's email, any case; `take` caps the list while
  // `matching` counts every match, and `all` every name.
  const byName = await listAllNames(db, { search: "WE" });
  assert.deepEqual([byName.names.map((n) => n.name), byName.all], [["web"], all.length]);
  const byOwner = await listAllNames(db, { search: "bob@" });
  assert.ok(byOwner.names.length > 0 && byOwner.names.every((n) => n.email === "bob@example.com"));
  const capped = await listAllNames(db, { search: "example.com", take: 1 });
  assert.deepEqual([capped.names.length, capped.matching], [1, all.length]);
  assert.equal((await listAllNames(db, { search: "_" })).matching, 0, "_ is not a wildcard");
});

test("getNameForUser returns the name with its session, and hides other users' names", async () => {
  const detail = await getNameForUser(db, ann.id, "web");
  assert.equal(detail.online, true);
  assert.ok(detail.currentSession);
  assert.equal((await getNameForUser(db, ann.id, "myapp")).online, false);
  await rejects(getNameForUser(db, bob.id, "web"), "not_found");
  await rejects(getNameForUser(db, ann.id, "missing"), "not_found");
});

test("a random name is the user's own page (defaults, not reserved) and nobody else's", async () => {
  const carol = await db.user.create({ data: { email: "carol@example.com", passwordHash: "x" } });
  const session = await openSession(carol.id, "p0o9i8u7y6t5r4");
  const live = await getNameForUser(db, carol.id, "P0O9I8U7Y6T5R4");
  assert.deepEqual(
    [live.name, live.random, live.online, live.accessMode, live.keepBodies],
    ["p0o9i8u7y6t5r4", true, true, "PUBLIC", false],
  );
  await rejects(getNameForUser(db, ann.id, "p0o9i8u7y6t5r4"), "not_found");
  const endedAt = new Date(Date.now() - 3_600_000);
  await db.tunnelSession.update({ where: { id: session.id }, data: { endedAt } });
  const closed = await getNameForUser(db, carol.id, "p0o9i8u7y6t5r4");
  assert.deepEqual([closed.online, closed.lastSeenAt], [false, endedAt]);
  assert.equal((await getNameForUser(db, ann.id, "web")).random, false);
});

test("listRandomNames: the user's random names still kept for them, not reserved ones, not others'", async () => {
  const dan = await db.user.create({ data: { email: "dan@example.com", passwordHash: "x" } });
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
  const closedAt = async (name: string, endedAt: Date) => {
    const s = await openSession(dan.id, name);
    await db.tunnelSession.update({ where: { id: s.id }, data: { endedAt } });
  };
  await openSession(dan.id, "aaaaaaaaaaaaa1");
  await closedAt("aaaaaaaaaaaaa2", hoursAgo(2));
  await closedAt("aaaaaaaaaaaaa3", hoursAgo(30));
  await closedAt("aaaaaaaaaaaaa4", hoursAgo(1));
  await reserveName(db, dan.id, "aaaaaaaaaaaaa4", quota);
  await openSession(bob.id, "aaaaaaaaaaaaa5");
  await logRequest("aaaaaaaaaaaaa2");

  const kept = await listRandomNames(db, dan.id, 24);
  // Most recently connected first.
  assert.deepEqual(
    kept.map((n) => [n.name, n.online, n.requests24h]),
    [
      ["aaaaaaaaaaaaa2", false, 1],
      ["aaaaaaaaaaaaa1", true, 0],
    ],
  );
  assert.ok(kept.find((n) => n.online)?.currentSession);
  // A longer hold keeps the one closed 30 h ago too.
  assert.equal((await listRandomNames(db, dan.id, 48)).length, 3);
  // The admin's list has everyone's, with whose each is.
  const everyone = (await listAllRandomNames(db, 24)).filter((n) => n.name.startsWith("aaaaaaaaaaaaa"));
  assert.deepEqual(
    everyone.map((n) => [n.name, n.email, n.online]),
    [
      ["aaaaaaaaaaaaa5", "bob@example.com", true],
      ["aaaaaaaaaaaaa2", "dan@example.com", false],
      ["aaaaaaaaaaaaa1", "dan@example.com", true],
    ],
  );
  // Searched by owner or by name, still only what is kept.
  const search = async (text: string) => (await listAllRandomNames(db, 24, text)).map((n) => n.name);
  assert.deepEqual(await search("DAN@"), ["aaaaaaaaaaaaa2", "aaaaaaaaaaaaa1"]);
  assert.deepEqual(await search("aaaaa5"), ["aaaaaaaaaaaaa5"]);
  assert.deepEqual(await search("aaaaa3"), [], "closed 30 h ago: no longer kept");
});

test("a name whose log takes long to delete is released at once, and reservable once its log is gone", {
  timeout: 60_000,
}, async () => {
  const erin = await db.user.create({ data: { email: "slow-release@example.com", passwordHash: "x" } });
  await reserveName(db, erin.id, "slow-release", quota);
  // The log's row held from another connection: the delete waits on it.
  const held = await holdLogRow(database, "slow-release");
  try {
    await releaseName(db, erin.id, "slow-release");
    assert.equal(await db.reservation.count({ where: { name: "slow-release" } }), 0, "released");
    const deleting = finishLogDeletion(db, "slow-release");
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    assert.equal((await isNameAvailable(db, "slow-release")).reason, "releasing");
    await held.release();
    await deleting;
  } finally {
    await held.release();
  }
  assert.equal((await isNameAvailable(db, "slow-release")).available, true);
  assert.equal(await db.requestLog.count({ where: { name: "slow-release" } }), 0);
});

test("a tunnel its stopped relay left open (no relay runs now) shows offline and does not hold up release", async () => {
  const cat = await db.user.create({ data: { email: "cat@example.com", passwordHash: "x" } });
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  const relay = (id: string, seenAt: Date) =>
    db.relayHeartbeat.create({
      data: {
        id,
        startedAt: minutesAgo(60),
        seenAt,
        hostKeyFingerprint: `SHA256:${id}`,
        sshPort: 2222,
        httpPort: 8080,
        tunnels: 1,
        requestsPerMinute: 0,
      },
    });
  await relay("stopped-relay", minutesAgo(5));
  await relay("running-relay", new Date());
  const stranded = await reserveName(db, cat.id, "stranded", { maxNames: 10 });
  const served = await reserveName(db, cat.id, "served", { maxNames: 10 });
  const open = (reservation: { id: string; name: string }, relayId: string) =>
    db.tunnelSession.create({
      data: {
        userId: cat.id,
        name: reservation.name,
        reservationId: reservation.id,
        clientIp: "203.0.113.7",
        relayId,
        startedAt: minutesAgo(10),
      },
    });
  const left = await open(stranded, "stopped-relay");
  await open(served, "running-relay");

  const online = new Map((await listNames(db, cat.id)).map((n) => [n.name, n.online]));
  assert.equal(online.get("stranded"), false, "its relay stopped 5 minutes ago: nothing serves it");
  assert.equal(online.get("served"), true, "a relay beating now still holds this one");
  assert.equal((await getNameForUser(db, cat.id, "stranded")).online, false);
  await releaseName(db, cat.id, "stranded");
  const ended = await db.tunnelSession.findUniqueOrThrow({ where: { id: left.id } });
  assert.equal(ended.endReason, "relay_restart");
  await rejects(releaseName(db, cat.id, "served"), "conflict", /served is connected right now/);
});

test("releasing a name with a big log deletes it in statements of a bounded size, all in one go", async () => {
  const { name } = await reserveName(db, ann.id, "biglog", quota);
  // 45,000 rows: more than two statements' worth (LOG_DELETE_STATEMENT_ROWS, 20,000).
  await db.$executeRaw`
    INSERT INTO request_logs (name, method, path, status, duration_ms, client_ip)
    SELECT ${name}, 'GET', '/' || g, 200, 1, '198.51.100.4' FROM generate_series(1, 45000) AS g`;
  // Each DELETE statement on the log says how many rows it took (a statement trigger sees them all).
  await db.$executeRawUnsafe(`CREATE TABLE delete_sizes (rows bigint)`);
  await db.$executeRawUnsafe(`CREATE FUNCTION note_delete_size() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO delete_sizes SELECT count(*) FROM gone; RETURN NULL; END $$`);
  await db.$executeRawUnsafe(`CREATE TRIGGER note_delete_size AFTER DELETE ON request_logs
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION note_delete_size()`);
  try {
    await releaseName(db, ann.id, name);
    await finishLogDeletion(db, name);
    const sizes = (await db.$queryRaw<{ rows: bigint }[]>`SELECT rows FROM delete_sizes`).map((r) =>
      Number(r.rows),
    );
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      45_000,
    );
    assert.ok(
      sizes.every((rows) => rows <= 20_000),
      `statements of ${sizes.join(", ")} rows`,
    );
    assert.equal(await db.requestLog.count({ where: { name } }), 0);
    assert.equal(await db.reservation.count({ where: { name } }), 0);
  } finally {
    await db.$executeRawUnsafe(`DROP TRIGGER note_delete_size ON request_logs`);
  }
});
