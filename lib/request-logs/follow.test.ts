import assert from "node:assert/strict";
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { after, test } from "node:test";
import { createDb } from "../db.ts";
import { createTestDatabase } from "../testing/db.ts";
import { loggedRequest, waitingRows } from "../testing/waiting-rows.ts";
import { ANNOUNCE_SQL, createLogAnnouncements } from "./announcements.ts";
import { followRequestLogs } from "./follow.ts";
import { listRequestLogs, newestRequestLogs, type RequestLogRow } from "./query.ts";
import { listRequestLogsForTail } from "./tail.ts";

const database = await createTestDatabase("follow");
after(() => database.drop());
const { db } = database;

const { liveSession, waitingRow, answer } = waitingRows(db);

/** Waits (bounded) until `check` holds. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("a follower on a shared feed prints each new matching row once, then unsubscribes when stopped", async () => {
  await db.requestLog.create({ data: loggedRequest("shared", "/old") });
  const filters = { name: "shared", status: "2xx" };
  const { rows, tailFrom } = await listRequestLogs(db, { ...filters, limit: 20 });
  const feed = createLogAnnouncements(database.url, { applicationName: "burrow-test-follow" });
  const printed: RequestLogRow[] = [];
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  try {
    const following = followRequestLogs({
      db,
      feed,
      filters,
      shown: rows.reverse(),
      tailFrom,
      waiting: [],
      print: (r) => {
        printed.push(r);
      },
      stopped,
    });
    await eventually(() => feed.subscriberCount() === 1, "the follower to subscribe");
    // As the relay's log writer does: rows, then one announcement for the name.
    await db.requestLog.createMany({
      data: [loggedRequest("shared", "/new"), loggedRequest("shared", "/broken", 500)],
    });
    await db.$executeRawUnsafe(ANNOUNCE_SQL, ["shared"]);
    // Announced, so at once rather than at the 30 s safety poll.
    await eventually(() => printed.length > 0, "the new row");
    assert.deepEqual(
      printed.map((r) => r.path),
      ["/new"],
      "the row already shown and the one the filter leaves out are not printed",
    );
    stop();
    await following;
    // The feed is shared by every follower of the relay: one who left must not stay subscribed.
    assert.equal(feed.subscriberCount(), 0);
  } finally {
    await feed.close();
  }
});

test("without a feed the follower polls, and stops when told", async () => {
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const printed: string[] = [];
  const following = followRequestLogs({
    db,
    filters: { name: "polled" },
    shown: [],
    waiting: [],
    tailFrom: null,
    print: (r) => {
      printed.push(r.path);
    },
    stopped,
  });
  await db.requestLog.create({ data: loggedRequest("polled", "/later") });
  await eventually(() => printed.length === 1, "the polled row");
  assert.deepEqual(printed, ["/later"]);
  stop();
  await following;
});

/**
 * A TCP proxy to the test database that can be cut: every connection dropped and new ones refused,
 * as while PostgreSQL restarts, then opened again on the same port.
 */
async function cuttableDatabase() {
  const target = new URL(database.url);
  const sockets = new Set<Socket>();
  const server = createServer((visitor) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const [a, b] of [
      [visitor, upstream],
      [upstream, visitor],
    ] as const) {
      sockets.add(a);
      a.on("error", () => b.destroy());
      a.on("close", () => {
        sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const url = new URL(database.url);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return {
    url: url.toString(),
    async cut() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async restore() {
      server.listen(port, "127.0.0.1");
      await once(server, "listening");
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
  };
}

test("a follower whose database goes away says so once, waits for it, and prints what was written meanwhile", async () => {
  const cuttable = await cuttableDatabase();
  const followerDb = createDb(cuttable.url, { max: 1 });
  const feed = createLogAnnouncements(cuttable.url, { applicationName: "burrow-test-follower" });
  const events: string[] = [];
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  try {
    const following = followRequestLogs({
      db: followerDb,
      feed,
      filters: { name: "cut" },
      shown: [],
      waiting: [],
      tailFrom: null,
      print: (r) => {
        events.push(r.path);
      },
      stopped,
      unreadable: () => events.push("unreadable"),
      recovered: () => events.push("recovered"),
    });
    await eventually(() => feed.subscriberCount() === 1, "the follower to subscribe");
    await db.requestLog.create({ data: loggedRequest("cut", "/before") });
    await db.$executeRawUnsafe(ANNOUNCE_SQL, ["cut"]);
    await eventually(() => events.includes("/before"), "the row before the cut");
    // Its LISTEN drops, so it reads at once, and cannot.
    await cuttable.cut();
    await eventually(() => events.includes("unreadable"), "the follower to say it cannot read");
    await db.requestLog.create({ data: loggedRequest("cut", "/meanwhile") });
    await cuttable.restore();
    await eventually(() => events.includes("/meanwhile"), "the row written while the database was away");
    stop();
    await following;
    assert.deepEqual(events, ["/before", "unreadable", "recovered", "/meanwhile"]);
  } finally {
    await feed.close();
    await followerDb.$disconnect();
    await cuttable.close();
  }
});

/**
 * What `logs -f` prints first (`limit` rows, as newestRequestLogs reads them), with the requests
 * waiting for the app that it did not print (listRequestLogsForTail), for `follow`.
 */
async function firstLines(filters: { name: string; status?: string }, limit = 20): Promise<FirstLines> {
  const { rows, tailFrom, waiting } = await listRequestLogsForTail(db, filters, { view: "follow" }, (upTo) =>
    newestRequestLogs(db, filters, limit, { upTo }),
  );
  return { shown: rows.reverse(), tailFrom, waiting };
}

interface FirstLines {
  /** Oldest first, as printed. */
  shown: RequestLogRow[];
  tailFrom: string | null;
  waiting: string[];
}

/** A follower without a feed (it polls every second); `printed` gets "path status open|closed". */
function follow(filters: { name: string; status?: string }, { shown, tailFrom, waiting }: FirstLines) {
  const printed: string[] = [];
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const following = followRequestLogs({
    db,
    filters,
    shown,
    tailFrom,
    waiting,
    print: (r) => {
      printed.push(`${r.path} ${r.status} ${r.openState ?? "closed"}`);
    },
    stopped,
  });
  return {
    printed,
    async stop() {
      stop();
      await following;
    },
  };
}

test("a request written while it waited for the app is printed waiting, again when its answer starts, and once completed", async () => {
  const name = "waits";
  const sessionId = await liveSession(name);
  const follower = follow({ name }, await firstLines({ name }));
  try {
    const report = await waitingRow(name, sessionId, "/report");
    const events = await waitingRow(name, sessionId, "/events");
    await eventually(() => follower.printed.length === 2, "the waiting rows");
    assert.deepEqual(follower.printed, ["/report 0 open", "/events 0 open"]);
    // The event stream's head: 200, and it goes on open.
    await answer(events, 200, true);
    await eventually(() => follower.printed.length === 3, "the stream's answer");
    assert.equal(follower.printed[2], "/events 200 open");
    await answer(report, 201);
    await answer(events, 200);
    await eventually(() => follower.printed.length === 5, "both ends");
    assert.deepEqual(follower.printed.slice(3).sort(), ["/events 200 closed", "/report 201 closed"]);
    // Printed once each: nothing more on the next looks.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(follower.printed.length, 5, follower.printed.join("\n"));
  } finally {
    await follower.stop();
  }
});

test("a follower's status filter: a request left out while it waited is printed once if its answer matches", async () => {
  const name = "waits-5xx";
  const sessionId = await liveSession(name);
  // Waiting already when the follow begins: the first listing (5xx) cannot show it.
  const before = await waitingRow(name, sessionId, "/before-the-follow");
  const first = await firstLines({ name, status: "5xx" });
  assert.deepEqual(first.shown, [], "no status yet: not an error, not matched");
  const follower = follow({ name, status: "5xx" }, first);
  try {
    const timedOut = await waitingRow(name, sessionId, "/times-out");
    const fine = await waitingRow(name, sessionId, "/fine");
    // A later row goes past the waiting ones, as the log moves on.
    await db.requestLog.create({ data: loggedRequest(name, "/broken", 500) });
    await eventually(() => follower.printed.length === 1, "the 500");
    assert.deepEqual(follower.printed, ["/broken 500 closed"], "the waiting rows match no status filter");
    await answer(timedOut, 504);
    await answer(fine, 200);
    await answer(before, 502);
    await eventually(() => follower.printed.length === 3, "the answers that match");
    assert.deepEqual(follower.printed.slice(1).sort(), [
      "/before-the-follow 502 closed",
      "/times-out 504 closed",
    ]);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(follower.printed.length, 3, follower.printed.join("\n"));
  } finally {
    await follower.stop();
  }
});

test("a request waiting before the first listing's rows, without a filter on the answer, is printed once answered", async () => {
  const name = "waits-older";
  const sessionId = await liveSession(name);
  const older = await waitingRow(name, sessionId, "/older");
  await db.requestLog.createMany({ data: [loggedRequest(name, "/a"), loggedRequest(name, "/b")] });
  // `logs -f -n 2`: the waiting row is not among the lines printed first.
  const first = await firstLines({ name }, 2);
  assert.deepEqual(
    first.shown.map((r) => r.path),
    ["/a", "/b"],
  );
  assert.deepEqual(first.waiting, [older], "taken with the first lines");
  const follower = follow({ name }, first);
  try {
    // Printed at the end of a look: the follower's first look is over, still asking about it.
    await db.requestLog.create({ data: loggedRequest(name, "/c") });
    await eventually(() => follower.printed.length === 1, "the new row");
    await answer(older, 200);
    await eventually(() => follower.printed.length === 2, "the answered request");
    assert.deepEqual(follower.printed, ["/c 200 closed", "/older 200 closed"]);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(follower.printed.length, 2, follower.printed.join("\n"));
  } finally {
    await follower.stop();
  }
});

test("a request waiting at the first lines of a 5xx follow, answered 504 before its first look, is printed once", async () => {
  const name = "waits-first";
  const sessionId = await liveSession(name);
  const slow = await waitingRow(name, sessionId, "/slow");
  const first = await firstLines({ name, status: "5xx" });
  assert.deepEqual(first.shown, [], "no status yet: not printed first");
  // Answered after the first lines and before the follower's first look, whose own look at the
  // requests waiting no longer finds it.
  await answer(slow, 504);
  const follower = follow({ name, status: "5xx" }, first);
  try {
    await eventually(() => follower.printed.length === 1, "the answered request");
    assert.deepEqual(follower.printed, ["/slow 504 closed"]);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(follower.printed.length, 1, follower.printed.join("\n"));
  } finally {
    await follower.stop();
  }
});
