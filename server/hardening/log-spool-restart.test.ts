/**
 * A relay stopped while its database is down keeps the request-log rows it could not write in its
 * data directory, and the next relay on that directory writes them once the database answers: the
 * tunnel owner's log has every request, with no gap where the restart was.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { createLogger } from "../../lib/logger.ts";
import { createLogAnnouncements } from "../../lib/request-logs/announcements.ts";
import { loadOrCreateHostKey } from "../host-key.ts";
import { LOG_SPOOL_FILE } from "../log-spool.ts";
import { createRelay } from "../relay.ts";
import { startTestRelay } from "../testing/harness.ts";

const cleanups: (() => Promise<unknown>)[] = [];

/**
 * Counts the relay's announcements of stored rows for `name`: it makes them once the database has
 * answered its write. Seeing the row in the database is not enough before cutting it: a cut between
 * the database storing a row and the relay hearing so leaves the row in doubt, and the relay keeps
 * it to write again after the outage (a second copy of that request, not what these tests are about).
 */
async function storedRows(databaseUrl: string, name: string): Promise<{ count(): number }> {
  const feed = createLogAnnouncements(databaseUrl, { applicationName: "burrow-test-listener" });
  cleanups.push(() => feed.close());
  let count = 0;
  await feed.subscribe(name, { rows: () => count++, lost: () => {} });
  return { count: () => count };
}
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

test("requests served during a database outage reach the log even when the relay restarts before it ends", async () => {
  const t = await startTestRelay({}, { proxyDatabase: true });
  cleanups.push(() => t.close());
  const user = await t.createUserWithKey();
  await t.reserve(user, "keeper");
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`keeper:80:127.0.0.1:${app.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());
  const stored = await storedRows(t.databaseUrl, "keeper");
  assert.equal((await t.fetchTunnel("keeper", "/before")).status, 200);
  await t.waitFor(() => stored.count() > 0, "the relay's word that the first row is stored");

  const spoolFile = join(t.config.BURROW_DATA_DIR, LOG_SPOOL_FILE);
  t.databaseProxy!.cut();
  try {
    for (const path of ["/during-1", "/during-2", "/during-3"]) {
      assert.equal((await t.fetchTunnel("keeper", path)).status, 200);
    }
    await t.relay.close();
    assert.ok(existsSync(spoolFile), "the rows wait in the data directory");
  } finally {
    t.databaseProxy!.restore();
  }

  const hostKey = await loadOrCreateHostKey(t.config.BURROW_DATA_DIR);
  const next = createRelay({
    db: t.db,
    config: { ...t.config, BURROW_SSH_PORT: 0, BURROW_HTTP_PORT: 0 },
    hostKey: hostKey.privateKey,
    logger: createLogger({ silent: !process.env.BURROW_TEST_VERBOSE }),
  });
  cleanups.push(() => next.close());
  await next.listen();
  const paths = await t.waitFor(
    async () => {
      const rows = await t.db.requestLog.findMany({
        where: { name: "keeper" },
        orderBy: { id: "asc" },
        select: { path: true },
      });
      return rows.length >= 4 ? rows.map((row) => row.path) : undefined;
    },
    "the kept rows to be written by the next relay",
    15_000,
  );
  assert.deepEqual(paths, ["/before", "/during-1", "/during-2", "/during-3"]);
  await t.waitFor(() => !existsSync(spoolFile), "the spool file to be removed");
});

test("a relay stopped while its database does not answer (packets dropped) still drains, says goodbye and keeps its rows", {
  timeout: 120_000,
}, async () => {
  const t = await startTestRelay({}, { proxyDatabase: true });
  cleanups.push(() => t.close());
  const user = await t.createUserWithKey();
  await t.reserve(user, "silent");
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`silent:80:127.0.0.1:${app.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());
  const stored = await storedRows(t.databaseUrl, "silent");
  assert.equal((await t.fetchTunnel("silent", "/before")).status, 200);
  await t.waitFor(() => stored.count() > 0, "the relay's word that the first row is stored");

  const spoolFile = join(t.config.BURROW_DATA_DIR, LOG_SPOOL_FILE);
  t.databaseProxy!.hang();
  try {
    for (const path of ["/during-1", "/during-2"]) {
      assert.equal((await t.fetchTunnel("silent", path)).status, 200);
    }
    // Past a counters save (every 2 s), which then waits on the silent database.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const started = Date.now();
    await t.relay.close();
    assert.ok(Date.now() - started < 30_000, `closed in ${Date.now() - started} ms, within the stop's limit`);
    assert.ok(existsSync(spoolFile), "the rows wait in the data directory");
    assert.match(ssh.stderr(), /shutting down/, "the ssh client is told why");
  } finally {
    t.databaseProxy!.restore();
  }
  const spooled = readFileSync(spoolFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { path: string }).path);
  assert.deepEqual(spooled, ["/during-1", "/during-2"]);
});
