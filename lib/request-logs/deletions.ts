/**
 * A name's whole request log deleted in the background: Delete all requests, and a released name's
 * log. Millions of rows take a minute or more (2.6M rows 38-82 s here), longer than a web request
 * may last behind a reverse proxy (nginx cuts it off after 60 s), so the dashboard's action starts
 * the deletion and returns; the state lives in PostgreSQL (log_deletions), where the dashboard, the
 * relay and the CLI, which may be separate processes, all see it. Whoever works on a deletion holds
 * a lease on its row, renewed at every batch: one whose process stopped (a restart, a crash) is
 * taken over once the lease runs out, by the relay's periodic check, by a dashboard page showing
 * the deletion, or by the CLI, and goes on above the last row deleted.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "../db.ts";
import { RETENTION_BATCH } from "./retention.ts";

/** "all": Delete all requests. "release": the name was released; nobody may reserve it until done. */
export type LogDeletionKind = "all" | "release";

/** What the dashboard and the CLI show of a deletion. */
export interface LogDeletionState {
  name: string;
  kind: LogDeletionKind;
  requestedAt: Date;
  /** Rows the log held when it was asked for. */
  total: number;
  deleted: number;
  finishedAt: Date | null;
}

/**
 * How long a worker's claim on a deletion lasts without a batch: far above a batch's time (a
 * statement is cut off after 20 s), so a slow batch is not taken over while it runs, and short
 * enough that a deletion whose process stopped goes on within a minute or two.
 */
export const LOG_DELETION_LEASE_MS = 60_000;

/** What a Prisma client and a transaction both offer, as much as starting a deletion needs. */
type Starter = Pick<Db, "logDeletion" | "requestStat" | "$queryRaw">;

const stateSelect = {
  name: true,
  kind: true,
  requestedAt: true,
  total: true,
  deleted: true,
  finishedAt: true,
} as const;

function toState(row: {
  name: string;
  kind: string;
  requestedAt: Date;
  total: number;
  deleted: number;
  finishedAt: Date | null;
}): LogDeletionState {
  const { name, requestedAt, total, deleted, finishedAt } = row;
  return { name, kind: row.kind === "release" ? "release" : "all", requestedAt, total, deleted, finishedAt };
}

/**
 * Asks for the deletion of `name`'s whole log as it is now (rows logged later stay); returns its
 * state. Nothing is deleted yet: runLogDeletion does that. A deletion already under way is joined
 * rather than started again, except that a release takes over a Delete all under way (the name is
 * then held back from reservations until it is done), and goes on to the rows logged since.
 * Inside the caller's transaction when given one (a release).
 */
export async function startLogDeletion(
  db: Starter,
  name: string,
  kind: LogDeletionKind,
  userId: string | null = null,
): Promise<LogDeletionState> {
  const existing = await db.logDeletion.findUnique({ where: { name } });
  const underWay = existing && existing.finishedAt === null ? existing : null;
  if (underWay && (kind === "all" || underWay.kind === "release")) return toState(underWay);
  const [newest] = await db.$queryRaw<{ id: bigint | null }[]>`
    SELECT max(id) AS id FROM request_logs WHERE name = ${name}`;
  const upToId = newest?.id ?? 0n;
  const remaining = await loggedRequests(db, name);
  const fields = {
    kind,
    userId,
    requestedAt: new Date(),
    upToId,
    // A release over a Delete all under way goes on from where that one is (its worker too).
    total: remaining + (underWay?.deleted ?? 0),
    deleted: underWay?.deleted ?? 0,
    cursorId: underWay?.cursorId ?? 0n,
    // An empty log is deleted already: nothing to wait for (a release frees the name at once).
    // Its time still counts for rows that waited through an outage.
    finishedAt: upToId === 0n && !underWay ? new Date() : null,
  };
  const row = await db.logDeletion.upsert({
    where: { name },
    create: { name, ...fields },
    update: underWay ? fields : { ...fields, leaseOwner: null, leaseUntil: null },
    select: stateSelect,
  });
  return toState(row);
}

/**
 * How many rows a name's log holds, from request_stats (one row a minute, kept equal to the log by
 * its triggers): exact, and a few thousand rows to add up rather than millions to count (a dry
 * run of Delete all on 2.6M rows counted for seconds).
 */
export async function loggedRequests(db: Pick<Db, "requestStat">, logName: string): Promise<number> {
  const sum = await db.requestStat.aggregate({ where: { name: logName }, _sum: { requests: true } });
  return sum._sum.requests ?? 0;
}

/** The name's latest deletion (under way or done), or null if its log was never deleted. */
export async function logDeletionOf(
  db: Pick<Db, "logDeletion">,
  name: string,
): Promise<LogDeletionState | null> {
  const row = await db.logDeletion.findUnique({ where: { name }, select: stateSelect });
  return row && toState(row);
}

/** Whether the name is being released (its old log still going): it may not be reserved yet. */
export async function releaseUnderWay(db: Pick<Db, "logDeletion">, name: string): Promise<boolean> {
  const row = await db.logDeletion.findFirst({
    where: { name, kind: "release", finishedAt: null },
    select: { name: true },
  });
  return row !== null;
}

/**
 * The user's releases under way and those finished in the last `recentMs`, newest first: what
 * their names page shows in place of the names that went.
 */
export async function releasesOf(
  db: Db,
  userId: string,
  recentMs = 10 * 60_000,
): Promise<LogDeletionState[]> {
  const rows = await db.logDeletion.findMany({
    where: {
      userId,
      kind: "release",
      OR: [{ finishedAt: null }, { finishedAt: { gt: new Date(Date.now() - recentMs) } }],
    },
    select: stateSelect,
    orderBy: { requestedAt: "desc" },
    take: 20,
  });
  return rows.map(toState);
}

/**
 * Every release whose log is still being deleted, whoever owned the name (an account deleted
 * since, too), oldest first: what the admin's All names shows, since those names are not
 * reservable until done.
 */
export async function releasesUnderWay(db: Pick<Db, "logDeletion">, take = 50): Promise<LogDeletionState[]> {
  const rows = await db.logDeletion.findMany({
    where: { kind: "release", finishedAt: null },
    select: stateSelect,
    orderBy: { requestedAt: "asc" },
    take,
  });
  return rows.map(toState);
}

/** Names whose deletion is under way and nobody works on (its worker stopped), oldest first. */
export async function stalledLogDeletions(db: Pick<Db, "logDeletion">, now = new Date()): Promise<string[]> {
  const rows = await db.logDeletion.findMany({
    where: { finishedAt: null, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
    select: { name: true },
    orderBy: { requestedAt: "asc" },
  });
  return rows.map((row) => row.name);
}

export interface RunOptions {
  /** Stops between batches (a shutdown); the lease is given back so another process goes on. */
  signal?: AbortSignal;
  /** Called after each batch with the state so far. */
  onProgress?: (state: LogDeletionState) => void;
  batchSize?: number;
}

/**
 * Works on the name's deletion until it is done: a batch at a time, oldest first, each above the
 * last (so the newest rows, which the log shows first, stay quick to read meanwhile), then the
 * rows logged before it was asked for that were written after it started (a relay's queue,
 * rows that waited through a database outage). Returns the finished state, or null when there is
 * nothing to do here: no deletion under way, another process works on it, or `signal` stopped it.
 * Throws what the database throws (an outage), giving the deletion back first if it can (else
 * its lease runs out): whoever looks next goes on with it.
 */
export async function runLogDeletion(
  db: Db,
  name: string,
  options: RunOptions = {},
): Promise<LogDeletionState | null> {
  const me = randomUUID();
  const leaseUntil = () => new Date(Date.now() + LOG_DELETION_LEASE_MS);
  const taken = await db.$executeRaw`
    UPDATE log_deletions SET lease_owner = ${me}, lease_until = ${leaseUntil()}
    WHERE name = ${name} AND finished_at IS NULL AND (lease_until IS NULL OR lease_until < ${new Date()})`;
  if (taken === 0) return null;
  try {
    return await deleteUnderLease(db, name, me, leaseUntil, options);
  } catch (error) {
    // A batch that failed (cut off by the query timeout, a lost connection) gives the deletion
    // back at once, if the database still answers: the next look (a page's poll, the relay's
    // check) goes on with it rather than after the lease would have run out.
    await db.$executeRaw`
      UPDATE log_deletions SET lease_owner = NULL, lease_until = NULL
      WHERE name = ${name} AND lease_owner = ${me}`.catch(() => {});
    throw error;
  }
}

/** runLogDeletion's batches, while `me` holds the lease. */
async function deleteUnderLease(
  db: Db,
  name: string,
  me: string,
  leaseUntil: () => Date,
  options: RunOptions,
): Promise<LogDeletionState | null> {
  const batchSize = options.batchSize ?? RETENTION_BATCH;
  for (;;) {
    if (options.signal?.aborted) {
      await db.$executeRaw`
        UPDATE log_deletions SET lease_owner = NULL, lease_until = NULL WHERE name = ${name} AND lease_owner = ${me}`;
      return null;
    }
    // One statement: the rows go and the progress is counted together, and only while the lease
    // is still this worker's (one that lost it, say after a long pause, deletes nothing more).
    const [batch] = await db.$queryRaw<
      { gone: number; held: number; deleted: number | null; total: number | null }[]
    >`
      WITH job AS (
        SELECT up_to_id, cursor_id FROM log_deletions
        WHERE name = ${name} AND lease_owner = ${me} AND finished_at IS NULL
      ), gone AS (
        DELETE FROM request_logs WHERE id = ANY(ARRAY(
          SELECT id FROM request_logs
          WHERE name = ${name} AND id > (SELECT cursor_id FROM job) AND id <= (SELECT up_to_id FROM job)
          ORDER BY id LIMIT ${batchSize}
        ))
        RETURNING id
      ), moved AS (
        UPDATE log_deletions
        SET deleted = deleted + (SELECT count(*) FROM gone)::int,
            cursor_id = coalesce((SELECT max(id) FROM gone), cursor_id),
            lease_until = ${leaseUntil()}
        WHERE name = ${name} AND lease_owner = ${me} AND finished_at IS NULL
        RETURNING deleted, total
      )
      SELECT (SELECT count(*) FROM gone)::int AS gone, (SELECT count(*) FROM moved)::int AS held,
             (SELECT deleted FROM moved) AS deleted, (SELECT total FROM moved) AS total`;
    if (!batch || batch.held === 0) return null;
    const progress = await logDeletionOf(db, name);
    if (progress) options.onProgress?.(progress);
    if (batch.gone === batchSize) continue;
    // The last batch: the rows logged before the deletion was asked for that came in above where
    // it started, then done. Not done if a release took the deletion over meanwhile (its rows
    // reach further): the loop goes on to them.
    const finished = await db.$executeRaw`
      WITH job AS (
        SELECT up_to_id, requested_at FROM log_deletions
        WHERE name = ${name} AND lease_owner = ${me} AND finished_at IS NULL
      ), late AS (
        DELETE FROM request_logs
        WHERE name = ${name} AND id > (SELECT up_to_id FROM job) AND at < (SELECT requested_at FROM job)
        RETURNING id
      )
      UPDATE log_deletions
      SET deleted = deleted + (SELECT count(*) FROM late)::int, finished_at = ${new Date()},
          lease_owner = NULL, lease_until = NULL
      WHERE name = ${name} AND lease_owner = ${me} AND finished_at IS NULL
        AND NOT EXISTS (
          SELECT 1 FROM request_logs WHERE name = ${name} AND id > cursor_id AND id <= up_to_id
        )`;
    if (finished === 1) {
      const done = await logDeletionOf(db, name);
      if (done) options.onProgress?.(done);
      return done;
    }
  }
}

/**
 * Waits until the name's deletion is done, working on it whenever nobody else is (the CLI, and
 * callers that want the old "deleted when it returns"); `pollMs` between looks while another
 * process works on it. Returns the finished state (null: the name's log was never deleted).
 */
export async function finishLogDeletion(
  db: Db,
  name: string,
  options: RunOptions & { pollMs?: number } = {},
): Promise<LogDeletionState | null> {
  let shown = -1;
  for (;;) {
    const done = await runLogDeletion(db, name, options);
    if (done) return done;
    const state = await logDeletionOf(db, name);
    if (!state || state.finishedAt) return state;
    if (options.signal?.aborted) return state;
    if (state.deleted !== shown) options.onProgress?.(state);
    shown = state.deleted;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1_000));
  }
}

/**
 * Goes on with every deletion nobody works on (its process stopped), one after another; returns
 * how many it finished. The relay runs this every few seconds; `signal` stops it between batches.
 */
export async function resumeLogDeletions(db: Db, options: { signal?: AbortSignal } = {}): Promise<number> {
  let finished = 0;
  for (const name of await stalledLogDeletions(db)) {
    if (options.signal?.aborted) break;
    if (await runLogDeletion(db, name, { signal: options.signal })) finished += 1;
  }
  return finished;
}
