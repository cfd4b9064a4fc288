import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startTcpProxy } from "../../server/testing/tcp-proxy.ts";
import { releaseName } from "../names/service.ts";
import { createTestDatabase, type TestDatabase } from "../testing/db.ts";
import { finishesWithin } from "../time-limit.ts";
import { endSessionsOfStoppedRelays } from "../tunnel-sessions/stopped-relays.ts";
import {
  ANNOUNCE_SQL,
  createLogAnnouncements,
  type LogAnnouncements,
  parseStatusPayload,
} from "./announcements.ts";
import { runLogDeletion } from "./deletions.ts";

let testDb: TestDatabase;
let feed: LogAnnouncements;
/** The dashboard's feed: rows and status. */
let dashboardFeed: LogAnnouncements;

before(async () => {
  testDb = await createTestDatabase("logannounce");
  feed = createLogAnnouncements(testDb.url);
  dashboardFeed = createLogAnnouncements(testDb.url, { status: true });
});
after(async () => {
  await feed.close();
  await dashboardFeed.close();
  await testDb.drop();
});

/** What the relay's log writer does after writing rows for `names`. */
async function announce(...names: string[]): Promise<void> {
  await testDb.db.$executeRawUnsafe(ANNOUNCE_SQL, names);
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function recorder() {
  const events: string[] = [];
  return {
    events,
    listener: {
      rows: () => events.push("rows"),
      status: () => events.push("status"),
      lost: () => events.push("lost"),
    },
  };
}

test("every change to a tunnel's status is announced to the dashboard's feed, by whoever writes it", async () => {
  const user = await testDb.db.user.create({ data: { email: "status@example.com", passwordHash: "x" } });
  const reservation = await testDb.db.reservation.create({ data: { name: "statusapp", userId: user.id } });
  const watcher = recorder();
  const other = recorder();
  const follower = recorder();
  const stops = [
    await dashboardFeed.subscribe("statusapp", watcher.listener),
    await dashboardFeed.subscribe("elsewhere", other.listener),
    // A log follower's feed (the relay's, the CLI's) does not listen for status.
    await feed.subscribe("statusapp", follower.listener),
  ];
  try {
    const heard = async (what: string, change: () => Promise<unknown>) => {
      const before = watcher.events.length;
      await change();
      await until(() => watcher.events.length > before, what);
      assert.deepEqual(watcher.events.slice(before), ["status"], what);
    };
    // What the relay writes: the session's start, its counters, its notice, its end.
    let session = { id: "" };
    await heard("the tunnel connecting", async () => {
      session = await testDb.db.tunnelSession.create({
        data: { name: "statusapp", reservationId: reservation.id, userId: user.id, clientIp: "127.0.0.1" },
      });
    });
    await heard("counters saved", () =>
      testDb.db.tunnelSession.update({ where: { id: session.id }, data: { requests: 5, bytesOut: 100n } }),
    );
    await heard("a notice", () =>
      testDb.db.tunnelSession.update({ where: { id: session.id }, data: { notice: "statusapp: check" } }),
    );
    await heard("the reservation last seen", () =>
      testDb.db.reservation.update({ where: { id: reservation.id }, data: { lastSeenAt: new Date() } }),
    );
    // What the dashboard's sweep writes: the end of a session whose relay is gone (it never beat).
    await heard("the sweep ending it", () =>
      endSessionsOfStoppedRelays(testDb.db, { startedBefore: new Date(Date.now() + 1_000) }),
    );

    // A change undone says nothing; nor does a setting saved again unchanged.
    const before = watcher.events.length;
    await testDb.db
      .$transaction(async (tx) => {
        await tx.tunnelSession.update({ where: { id: session.id }, data: { requests: 6 } });
        throw new Error("rolled back");
      })
      .catch(() => {});
    await testDb.db.reservation.update({ where: { id: reservation.id }, data: { keepBodies: false } });
    await announce("statusapp"); // rows: heard after anything the two above could have said
    await until(
      () => watcher.events.length > before && follower.events.length > 0,
      "the rows announcement, on both feeds",
    );
    assert.deepEqual(watcher.events.slice(before), ["rows"]);
    assert.deepEqual(other.events, [], "another name's status is not announced to it");
    assert.deepEqual(follower.events, ["rows"], "a follower hears rows, never status");
  } finally {
    for (const stop of stops) stop();
  }
});

test("a user's lists hear of any of their names changing (reserved, connected, changed, released) and of their keys", async () => {
  const [alice, bob] = await Promise.all(
    ["alice", "bob"].map((who) =>
      testDb.db.user.create({ data: { email: `${who}@lists.example.com`, passwordHash: "x" } }),
    ),
  );
  const changes = { alice: 0, bob: 0, lost: 0 };
  const stops = [
    await dashboardFeed.subscribeUser(alice!.id, {
      changed: () => changes.alice++,
      lost: () => changes.lost++,
    }),
    await dashboardFeed.subscribeUser(bob!.id, { changed: () => changes.bob++, lost: () => changes.lost++ }),
  ];
  try {
    const heard = async (what: string, change: () => Promise<unknown>) => {
      const before = changes.alice;
      await change();
      await until(() => changes.alice > before, what);
    };
    let reservation = { id: "" };
    await heard("a name reserved", async () => {
      reservation = await testDb.db.reservation.create({ data: { name: "alicelist", userId: alice!.id } });
    });
    // A random name: on no list of reservations, known by its session only.
    await heard("a random name's tunnel connecting", () =>
      testDb.db.tunnelSession.create({
        data: { name: "quiet-otter-42", userId: alice!.id, clientIp: "127.0.0.1", randomName: true },
      }),
    );
    await heard("a setting changed", () =>
      testDb.db.reservation.update({ where: { id: reservation.id }, data: { keepBodies: true } }),
    );
    await heard("the name released", () => testDb.db.reservation.delete({ where: { id: reservation.id } }));
    // Their keys are on the overview too (Get started's first step).
    const key = { algorithm: "ssh-ed25519", bits: 256, label: "laptop", publicKey: "ssh-ed25519 AAAA" };
    let added = { id: "" };
    await heard("a key added", async () => {
      added = await testDb.db.sshKey.create({
        data: { ...key, userId: alice!.id, fingerprint: `SHA256:lists-${alice!.id}` },
      });
    });
    await heard("a key removed", () => testDb.db.sshKey.delete({ where: { id: added.id } }));
    await testDb.db.reservation.create({ data: { name: "boblist", userId: bob!.id } });
    await until(() => changes.bob === 1, "bob's own name");
    const alices = changes.alice;
    await sleep(100);
    assert.equal(changes.alice, alices, "another user's name is not on alice's lists");
    assert.equal(changes.lost, 0);
  } finally {
    for (const stop of stops) stop();
  }
});

test("a released name's log deletion is heard by its user's lists at each batch and when done", async () => {
  const user = await testDb.db.user.create({
    data: { email: "releaser@lists.example.com", passwordHash: "x" },
  });
  await testDb.db.reservation.create({ data: { name: "gonelist", userId: user.id } });
  await testDb.db.$executeRaw`
    INSERT INTO request_logs (name, method, path, status, duration_ms, bytes_in, bytes_out, client_ip, at)
    SELECT 'gonelist', 'GET', '/' || n, 200, 1, 0, 0, '127.0.0.1', now() FROM generate_series(1, 5) n`;
  // Released before listening: what is heard below is the deletion's own, not the release's.
  await releaseName(testDb.db, user.id, "gonelist");
  let changes = 0;
  const stop = await dashboardFeed.subscribeUser(user.id, { changed: () => changes++, lost: () => {} });
  try {
    const done = await runLogDeletion(testDb.db, "gonelist", { batchSize: 2 });
    assert.equal(done?.deleted, 5);
    // Three batches (2, 2, 1) and the end; PostgreSQL may fold none of them (separate statements).
    await until(() => changes >= 4, "the deletion's batches and its end");
  } finally {
    stop();
  }
});

test("the admin's list hears any user's tunnels change, not their keys", async () => {
  const [carol, dave] = await Promise.all(
    ["carol", "dave"].map((who) =>
      testDb.db.user.create({ data: { email: `${who}@admin.example.com`, passwordHash: "x" } }),
    ),
  );
  let heard = 0;
  const stop = await dashboardFeed.subscribeAll({ changed: () => heard++, lost: () => {} });
  try {
    for (const [user, name] of [
      [carol!, "carolapp"],
      [dave!, "daveapp"],
    ] as const) {
      const before = heard;
      await testDb.db.tunnelSession.create({ data: { name, userId: user.id, clientIp: "127.0.0.1" } });
      await until(() => heard > before, `${name} connecting`);
    }
    const before = heard;
    await testDb.db.sshKey.create({
      data: {
        userId: carol!.id,
        algorithm: "ssh-ed25519",
        bits: 256,
        label: "laptop",
        publicKey: "ssh-ed25519 AAAA",
        fingerprint: "SHA256:admin-list",
      },
    });
    // A key has no tunnel: the list of tunnels need not ask again. (The user's own lists heard it.)
    await sleep(200);
    assert.equal(heard, before);
  } finally {
    stop();
  }
});

test("a status announcement names a user and one of their names, or the user alone (their keys)", () => {
  assert.deepEqual(parseStatusPayload("cuid1 myapp"), { userId: "cuid1", name: "myapp" });
  assert.deepEqual(parseStatusPayload("cuid1"), { userId: "cuid1", name: null });
  for (const malformed of ["", " myapp", "cuid1 ", "cuid1 myapp extra", "cuid1  myapp"]) {
    assert.equal(parseStatusPayload(malformed), undefined, JSON.stringify(malformed));
  }
});

test("a subscriber hears about its own name only, until it unsubscribes", async () => {
  const mine = recorder();
  const other = recorder();
  const stopMine = await feed.subscribe("myapp", mine.listener);
  const stopOther = await feed.subscribe("otherapp", other.listener);
  await announce("myapp");
  await until(() => mine.events.length === 1, "the announcement");
  await sleep(100);
  assert.deepEqual(mine.events, ["rows"]);
  assert.deepEqual(other.events, [], "another name's rows are not announced to it");

  stopMine();
  await announce("myapp", "otherapp");
  await until(() => other.events.length === 1, "the other name's announcement");
  await sleep(100);
  assert.deepEqual(mine.events, ["rows"], "nothing after unsubscribing");
  stopOther();
  assert.equal(feed.subscriberCount(), 0);
});

test("when the listening connection drops, subscribers are told once and a new subscribe reconnects", async () => {
  const first = recorder();
  await feed.subscribe("restart", first.listener);
  let adminLost = 0;
  await dashboardFeed.subscribeAll({ changed: () => {}, lost: () => adminLost++ });
  // What a database restart does to the dashboard's connections.
  await testDb.db.$executeRawUnsafe(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'burrow-dashboard-live' AND datname = current_database()",
  );
  await until(() => first.events.includes("lost"), "the lost call");
  assert.equal(feed.subscriberCount(), 0);
  await until(() => adminLost === 1, "the admin list's lost call");
  assert.equal(dashboardFeed.subscriberCount(), 0);

  const second = recorder();
  await feed.subscribe("restart", second.listener);
  await announce("restart");
  await until(() => second.events.length === 1, "the announcement after reconnecting");
  await sleep(100);
  assert.deepEqual(first.events, ["lost"], "a dropped subscriber hears nothing more");
  assert.deepEqual(second.events, ["rows"]);
});

test("subscribing while the database cannot be reached rejects instead of hanging", async () => {
  const url = new URL(testDb.url);
  url.port = "1"; // nothing listens there
  const unreachable = createLogAnnouncements(url.toString());
  try {
    await assert.rejects(unreachable.subscribe("myapp", recorder().listener));
    assert.equal(unreachable.subscriberCount(), 0);
  } finally {
    await unreachable.close();
  }
});

test("a listening connection that silently stopped carrying anything is dropped: subscribers are told", async () => {
  const direct = new URL(testDb.url);
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const url = new URL(testDb.url);
  url.port = String(proxy.port);
  const proxied = createLogAnnouncements(url.toString(), {
    applicationName: "burrow-test-live",
    pingIntervalMs: 300,
  });
  try {
    const watcher = recorder();
    await proxied.subscribe("failover", watcher.listener);
    // A failover: the old connection is never answered again and nothing closes it.
    proxy.hang();
    proxy.failover();
    await until(() => watcher.events.includes("lost"), "the subscriber to hear the feed is lost");
    const again = recorder();
    await proxied.subscribe("failover", again.listener);
    await announce("failover");
    await until(() => again.events.includes("rows"), "an announcement on the new connection");
  } finally {
    // Without the check, the stalled connection is still the feed's: ending it would wait.
    proxy.cut();
    await proxied.close();
    await proxy.close();
  }
});

test("closing the feed while its database does not answer does not wait for it", async () => {
  const direct = new URL(testDb.url);
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const url = new URL(testDb.url);
  url.port = String(proxy.port);
  // Pings far apart: the stalled connection is still the feed's when it closes.
  const proxied = createLogAnnouncements(url.toString(), {
    applicationName: "burrow-test-live",
    pingIntervalMs: 60_000,
  });
  try {
    await proxied.subscribe("stalled", recorder().listener);
    proxy.hang();
    assert.ok(await finishesWithin(proxied.close(), 5_000), "close() waited on the stalled connection");
  } finally {
    proxy.restore();
    await proxy.close();
  }
});
