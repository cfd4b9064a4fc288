import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ANNOUNCE_SQL } from "../../lib/request-logs/announcements.ts";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";
import type { TcpProxy } from "../testing/tcp-proxy.ts";

// The relay's database connections go through a proxy that counts what they read: the test waits
// for the relay to have read a log, however long that takes on a loaded machine.
let t: TestRelay;
before(async () => {
  t = await startTestRelay({}, { proxyDatabase: true });
});
after(() => t.close());

test("ssh … logs -f whose reader stopped reading: the relay skips lines beyond what it holds, and says how many", async () => {
  const user = await t.createUserWithKey();
  const name = "stall";
  await t.reserve(user, name);
  const follower = await t.startSsh({
    user,
    forwards: [],
    command: ["logs", name, "-f"],
    waitForTunnels: false,
  });
  await t.waitFor(() => follower.stdout().includes("TIME (UTC)") || undefined, "the log's header");
  // Its output goes to a pipe nobody reads (a pager left open, a stopped `| tool`): ssh still
  // answers keepalives, and the relay must not keep every line for it.
  follower.child.stdout.pause();
  // About 6 MB of lines: more than ssh's own channel window (2 MiB), the pipe and what the relay
  // holds (as much again) together.
  const rows = 60_000;
  await t.db.$executeRaw`INSERT INTO request_logs (name, method, path, status, duration_ms, client_ip)
    SELECT ${name}, 'GET', '/row-' || i || '-' || repeat('x', 60), 200, 1, '203.0.113.7'
    FROM generate_series(1, ${rows}) AS i`;
  await t.db.$queryRawUnsafe(ANNOUNCE_SQL, [name]);
  await untilReadsStop(t.databaseProxy!);
  follower.child.stdout.resume();
  await t.waitFor(
    () => /lines? not shown: your terminal was not reading them/.test(follower.stdout()) || undefined,
    "the count of skipped lines",
    30_000,
  );
  const shown = follower.stdout().match(/\/row-\d+-/g)?.length ?? 0;
  assert.ok(shown < rows, `all ${rows} lines were kept for a reader that read none`);
  assert.equal(follower.exitCode(), null, follower.stderr());
  follower.kill();
});

/**
 * Waits for the relay to read the rows (which cannot be seen while nothing reads its output): a
 * follower reads page after page (200 rows, some 40 KB) while there are more, then waits for the
 * next announcement. Reading has started once 1 MB went by, and is over after 1.5 s in which its
 * database connections read less than a page. A fixed 8 s was too short on a loaded machine.
 */
async function untilReadsStop(proxy: TcpProxy): Promise<void> {
  const start = proxy.bytesFromTarget;
  const deadline = Date.now() + 180_000;
  await t.waitFor(() => proxy.bytesFromTarget - start > 1_000_000 || undefined, "the relay to read", 60_000);
  for (let quiet = 0, last = proxy.bytesFromTarget; quiet < 3; ) {
    await sleep(500);
    assert.ok(Date.now() < deadline, "the relay was still reading after 3 minutes");
    const moved = proxy.bytesFromTarget - last;
    last += moved;
    quiet = moved < 16_384 ? quiet + 1 : 0;
  }
}
