import type { Logger } from "../lib/logger.ts";
import { ANNOUNCE_SQL } from "../lib/request-logs/announcements.ts";
import {
  isRequestLogEnd,
  type NewRequestLog,
  type RequestLogEnd,
  type RequestLogEntry,
  withoutBodies,
} from "../lib/request-logs/row.ts";
import { COPY_SQL, CopyBlock, copyData } from "./log-copy.ts";
import { isOutage, type SqlRunner, type WriteTransaction, writeOutcome } from "./log-database.ts";
import { ownedLeftovers, rowsAfterLastDeletion } from "./log-leftover-owners.ts";
import { bodyChars, isPlain, latestPerKey, nextBatchLength, rowsBeforeEnds, spliceIn } from "./log-queue.ts";
import type { LogSpool } from "./log-spool.ts";
import { END_SQL, INSERT_SQL } from "./log-statements.ts";
import { ThrottledCount } from "./throttled-count.ts";

/** Counters of a LogWriter, for the heartbeat and tests. */
export interface LogWriterStats {
  /** Rows waiting in memory. */
  queued: number;
  /** Rows written to the database since start. */
  written: number;
  /** Rows thrown away because the queue was full (or the writer closed). */
  dropped: number;
}

/** The request log's write path: proxying pushes rows, a timer writes them in batches. */
export interface LogWriter {
  /**
   * Queues a row, or the end of a row written open. Never blocks, never throws; drops (and counts)
   * the entry when the queue is full. An end whose row is still queued finishes that row in place
   * (the open row's object is changed: the writer keeps it once pushed).
   */
  push(entry: RequestLogEntry): void;
  /**
   * Clears the kept bodies of this name's queued rows and ends (its owner deleted them), in the
   * spool file too (database outage). A write already under way keeps theirs.
   */
  dropBodies(name: string): void;
  /** Writes everything queued so far, unless the database fails; never rejects. */
  flush(): Promise<void>;
  /**
   * Stops the timer and writes what it can; with the database down, the rest goes to the spool (if
   * any) for the next start. Later pushes are dropped. Safe to call twice.
   */
  close(): Promise<void>;
  stats(): LogWriterStats;
}

export interface LogWriterOptions {
  /** Where batches go: the relay's log pool (log-database.ts), or Prisma through prismaSqlRunner. */
  sql: SqlRunner;
  /** Rows kept in memory at most (BURROW_LOG_QUEUE_MAX); beyond that, new rows are dropped. */
  maxQueue: number;
  logger: Logger;
  /** Queued rows are written at most this often (default 1 s); see PROMPT_WRITE_MS. */
  flushIntervalMs?: number;
  /** Rows per statement; reaching it also triggers a write before the next tick (default 20,000). */
  batchSize?: number;
  /** How often the count of dropped rows is logged while rows are being dropped (default 10 s). */
  reportIntervalMs?: number;
  /**
   * Kept bodies (hex characters) the queue may hold at once (default 64 Mi: 32 MiB of bodies); a
   * row beyond it is queued without its bodies. Rows are small, bodies are not: this, not
   * maxQueue, bounds the memory a database outage costs when names keep bodies.
   */
  maxBodyChars?: number;
  /**
   * Where rows go while the database is unreachable, so a stop or crash during an outage loses
   * none (log-spool.ts); rows an earlier run left there are written first. Without it they are
   * kept in memory only.
   */
  spool?: LogSpool;
}

/**
 * At most one write a second, of everything queued: on a 2-core machine PostgreSQL competes with the
 * relay for the CPU, and what costs is how often it wakes up and commits more than the rows themselves.
 * bench/request-logging.ts (64 busy connections, ~10k req/s, logging on vs off): 500-row batches
 * every 250 ms cost x0.84 of the throughput, 20,000-row batches every second x0.95. A batch the
 * database refuses (a bug, not an outage) loses at most one second of rows.
 */
const FLUSH_INTERVAL_MS = 1_000;
/**
 * A row that arrives after a quiet spell (no write for a flush interval) is written this soon instead
 * of on the next tick: someone trying their tunnel sees the request in the dashboard at once. Steady
 * traffic still gets one write per interval, so this costs nothing under load.
 */
const PROMPT_WRITE_MS = 50;
const BATCH_SIZE = 20_000;
const MAX_BODY_CHARS = 64 * 1024 * 1024;

/** What the log says about rows an earlier run left whose name changed hands since. */
const LEFTOVERS_SAY = {
  refused: "request log: could not check whose names the rows kept from the last run are",
  dropped: "request log: rows kept from the last run dropped: their name changed hands since",
};
/** What the log says about rows whose write lost its answer and that were stored after all. */
const STORED_SAY = {
  refused: "request log: could not ask whether rows whose write lost its answer are stored",
  dropped: "request log: rows whose write lost its answer were stored after all; not written again",
};
/** What the log says about rows that waited through an outage, of a log deleted since. */
const DELETED_SAY = {
  refused: "request log: could not check the queued rows against deleted logs",
  dropped: "request log: queued rows dropped: their name's log was deleted after they were logged",
};

/**
 * Creates the request log writer: a bounded in-memory queue written in batches, so proxying never
 * waits for the database. While the database is unreachable rows stay queued up to `maxQueue`,
 * newer ones are then dropped and counted (logged once per report interval, not per row), and the
 * queue drains once the database answers again. With a spool, the queued rows are also on disk for
 * as long as the database is unreachable (written when the outage is noticed and at every retry).
 */
export function createLogWriter(options: LogWriterOptions): LogWriter {
  const { sql, maxQueue, logger, spool } = options;
  const flushIntervalMs = options.flushIntervalMs ?? FLUSH_INTERVAL_MS;
  const batchSize = options.batchSize ?? BATCH_SIZE;
  const reportIntervalMs = options.reportIntervalMs ?? 10_000;
  const maxBodyChars = options.maxBodyChars ?? MAX_BODY_CHARS;

  const queue: RequestLogEntry[] = [];
  /**
   * Plain rows (closed, no bodies: most rows under load) waiting for the next write, already as
   * COPY data (CopyBlock says why), oldest first. Only while the runner can COPY and the database
   * takes rows; every other entry, and every row during an outage, waits in `queue`.
   */
  const blocks: CopyBlock[] = [];
  let blockRows = 0;
  const copyFrom = sql.copyFrom?.bind(sql);
  /**
   * Rows (not ends) in `queue`, by name: a plain row of a name that has rows there queues behind
   * them instead of going into a block (blocks are written first), so a name's rows are stored in
   * the order they came.
   */
  const queuedRowsOf = new Map<string, number>();
  function counted(entry: RequestLogEntry, change: 1 | -1): void {
    if (isRequestLogEnd(entry)) return;
    const count = (queuedRowsOf.get(entry.name) ?? 0) + change;
    if (count > 0) queuedRowsOf.set(entry.name, count);
    else queuedRowsOf.delete(entry.name);
  }
  /** Rows and ends waiting, in `queue` and in `blocks`. */
  const waiting = () => queue.length + blockRows;
  /**
   * Open rows still queued and neither being written nor spooled, by key: an end that arrives
   * while its row waits here finishes the row in place (a WebSocket that lasted less than a
   * second costs one row, not a row and an update).
   */
  const awaitingEnd = new Map<string, NewRequestLog>();
  /** Body characters held by the queued rows (see maxBodyChars). */
  let queuedBodyChars = 0;
  let written = 0;
  let dropped = 0;
  /** The latest reason the database gave for refusing rows. */
  let lastRefusal = "";
  // Each logged at most once per report interval, not once per row.
  const queueFull = new ThrottledCount(reportIntervalMs, (rows) =>
    logger.warn("request log: queue full, rows dropped", {
      dropped: rows,
      droppedTotal: dropped,
      queued: waiting(),
    }),
  );
  const refused = new ThrottledCount(reportIntervalMs, (rows) =>
    logger.error("request log: the database refused rows; they are dropped", { rows, error: lastRefusal }),
  );
  const bodiesShed = new ThrottledCount(reportIntervalMs, (rows) =>
    logger.warn("request log: too many bodies waiting for the database; rows queued without them", { rows }),
  );
  let closed = false;
  let failing = false;
  /** While failing, no write is attempted before this time (backoff). */
  let retryAt = 0;
  let retryDelayMs = 0;
  let running: Promise<void> | undefined;
  /** How many rows at the front of the queue are also in the spool file, in the same order. */
  let spooled = 0;
  /** How many entries at the front of the queue an earlier run left, not yet checked (ownedLeftovers). */
  let unvetted = 0;
  /**
   * How many entries at the front of the queue waited through an outage and are not yet checked
   * against their name's last log deletion (rowsAfterLastDeletion).
   */
  let waitedOut = 0;

  /**
   * Rows whose last write lost its answer (the connection broke after the write began): the
   * database may have stored them. Before they are written again, the next write asks
   * (writeOutcome); in the spool file they carry that write with them, for the next run to ask.
   * At most one write at a time is in doubt: none is tried before the last one is settled.
   */
  const doubts = new Map<RequestLogEntry, WriteTransaction>();

  /** When the last write started; the next one waits a flush interval from it. */
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let writeTimer: NodeJS.Timeout | undefined;

  const reportTimer = setInterval(() => {
    queueFull.report();
    refused.report();
    bodiesShed.report();
  }, flushIntervalMs);
  reportTimer.unref();

  /**
   * Plans the next write of the queue: soon after a quiet spell, otherwise a flush interval after
   * the previous write, and never before the outage backoff allows.
   */
  function scheduleWrite(): void {
    if (writeTimer || closed) return;
    const now = Date.now();
    const at = Math.max(now + PROMPT_WRITE_MS, lastWriteAt + flushIntervalMs, retryAt);
    writeTimer = setTimeout(() => {
      writeTimer = undefined;
      if (waiting() === 0) return;
      // Planned during a write that then failed: wait for the backoff it set.
      if (Date.now() < retryAt) scheduleWrite();
      else void drain();
    }, at - now);
    writeTimer.unref();
  }

  /** The write under way, once its transaction has begun: in doubt if its answer is lost. */
  let begun: WriteTransaction | undefined;
  const onBegun = (write: WriteTransaction) => {
    begun = write;
  };

  async function insert(rows: NewRequestLog[]): Promise<void> {
    if (sql.copyFrom) await sql.copyFrom(COPY_SQL, copyData(rows), onBegun);
    else await sql.query(INSERT_SQL, [JSON.stringify(rows)]);
  }

  /**
   * Tells dashboards which names have new rows (lib/request-logs/announcements.ts). The rows are
   * already stored, so a failure here is not retried: open logs catch up on their next poll.
   */
  async function announce(names: Iterable<string>): Promise<void> {
    try {
      await sql.query(ANNOUNCE_SQL, [[...new Set(names)]]);
    } catch {
      // The next insert tells whether the database is down, and reports it.
    }
  }

  /**
   * True when the database answers a trivial query: after a failed insert, this tells an outage
   * (keep the rows, retry later) from a batch the database refuses (retrying would fail forever and
   * block every later row behind it).
   */
  async function databaseAnswers(): Promise<boolean> {
    try {
      await sql.query("SELECT 1");
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Runs the spool file's operations one at a time, in the order asked: each reads the queue and
   * `spooled` when it runs, so a rewrite asked for between an append and its count (dropBodies)
   * sees the rows that append put on disk.
   */
  let spoolWork: Promise<void> = Promise.resolve();
  function onSpool(operation: () => Promise<void>): Promise<void> {
    const done = spoolWork.then(operation);
    spoolWork = done.catch(() => {});
    return done;
  }

  /** Puts the queued rows that are not in the spool file yet at its end. */
  function spoolNew(): Promise<void> {
    return onSpool(async () => {
      if (!spool || spooled >= queue.length) return;
      // Only drain() removes rows, and it is the caller: the queue can only grow meanwhile.
      const rows = queue.slice(spooled);
      // On disk, a row can no longer be finished in place: its end is queued after it instead.
      for (const row of rows) if (!isRequestLogEnd(row) && row.streamKey) awaitingEnd.delete(row.streamKey);
      if (await spool.append(rows, doubts)) spooled += rows.length;
    });
  }

  /** Makes the spool file hold the first `spooled` rows of the queue as they are now. */
  function respool(): Promise<void> {
    return onSpool(async () => {
      if (spool && spooled > 0 && !(await spool.replace(queue.slice(0, spooled), doubts))) spooled = 0;
    });
  }

  /** After `count` rows left the front of the queue: the spool file loses them too. */
  function unspool(count: number): Promise<void> {
    if (!spool || spooled === 0) return Promise.resolve();
    // Counted now, as the rows left the queue; a crash from the rewrite on must not bring back
    // rows already in the database.
    spooled = Math.max(0, spooled - count);
    if (spooled > 0) return respool();
    return onSpool(async () => {
      if (spooled === 0) await spool.replace([]);
    });
  }

  /**
   * Writes the rows queued when it starts, in batches, unless the database fails. Rows pushed
   * meanwhile wait for the next planned write: under steady traffic, writing them straight away
   * would never let the loop end (a few rows arrive during every insert), and the database would be
   * woken continuously instead of once a second. One drain at a time.
   */
  function drain(): Promise<void> {
    running ??= (async () => {
      lastWriteAt = Date.now();
      // Still in an outage: what arrived since the last attempt goes to disk before trying again.
      if (failing) {
        unblock(blocks.splice(0));
        await spoolNew();
        // Checked before they are written, once the database answers: the owner may have deleted
        // the log meanwhile.
        waitedOut = queue.length;
      }
      let copied = blocks.splice(0);
      /** The write of `copied`, when its answer was lost. */
      let copiedInDoubt: WriteTransaction | undefined;
      /** A batch of the queue is in doubt since this write. */
      let doubted = false;
      let due = queue.length;
      // Rows first, then ends (each end's row is before it, so still written before it): two
      // statements a write. Not while rows are in the spool, which must stay in the queue's order.
      if (spooled === 0) rowsBeforeEnds(queue, due);
      try {
        // Rows whose last write lost its answer are not written again if it stored them after all.
        if (doubts.size > 0) due -= await settleDoubts();
        // Rows of an earlier run whose name changed hands since go before anything is written.
        if (unvetted > 0) {
          due -= await dropFromFront(unvetted, (entries) => ownedLeftovers(sql, entries), LEFTOVERS_SAY);
          unvetted = 0;
        }
        // Rows that waited through an outage, of a log deleted since they were logged, go too.
        if (waitedOut > 0) {
          const count = Math.min(waitedOut, queue.length);
          due -= await dropFromFront(count, (entries) => rowsAfterLastDeletion(sql, entries), DELETED_SAY);
          waitedOut = 0;
        }
        if (copied.length > 0 && copyFrom) {
          const rows = copied.reduce((sum, block) => sum + block.count, 0);
          begun = undefined;
          try {
            await copyFrom(COPY_SQL, copyData(copied), onBegun);
            written += rows;
          } catch (error) {
            if (isOutage(error) || !(await databaseAnswers())) {
              // The rows go back to the queue (below), where they wait in doubt.
              copiedInDoubt = begun;
              throw error;
            }
            refuse(rows, error);
          }
          blockRows -= rows;
          const names = copied.flatMap((block) => [...block.names]);
          copied = [];
          await announce(names);
        }
        while (due > 0) {
          const batch = queue.slice(0, nextBatchLength(queue, due, batchSize));
          due -= batch.length;
          for (const entry of batch) {
            if (!isRequestLogEnd(entry) && entry.streamKey) awaitingEnd.delete(entry.streamKey);
          }
          const ends = isRequestLogEnd(batch[0]!);
          begun = undefined;
          try {
            // Ends are not in doubt: one applied twice changes nothing more (END_SQL).
            if (ends) await sql.query(END_SQL, [JSON.stringify(latestPerKey(batch as RequestLogEnd[]))]);
            else await insert(batch as NewRequestLog[]);
          } catch (error) {
            if (isOutage(error) || !(await databaseAnswers())) {
              if (begun) {
                for (const entry of batch) doubts.set(entry, begun);
                doubted = true;
              }
              throw error;
            }
            // The database is up but refuses these rows (a bug or a schema problem, not an outage):
            // drop the batch. Logged at most once per report interval, like drops.
            shift(batch.length);
            await unspool(batch.length);
            refuse(batch.length, error);
            continue;
          }
          // Rows pushed during the insert were appended after the batch: keep those.
          shift(batch.length);
          if (!ends) written += batch.length;
          // Said as soon as a batch is stored, before the spool and announce round trips, so the
          // counters and the log agree at every await below.
          if (failing) {
            failing = false;
            retryDelayMs = 0;
            logger.info("request log: database reachable again, writing queued rows", {
              queued: waiting(),
            });
          }
          await unspool(batch.length);
          await announce(batch.map((entry) => entry.name));
        }
      } catch (error) {
        // In an outage every row waits in the queue, where it can be spooled: blocks are read back.
        const back = unblock(copied);
        const afterBack = spooled + back.length;
        if (copiedInDoubt) for (const row of back) doubts.set(row, copiedInDoubt);
        // Rows already on disk that are now in doubt say so there too.
        if (doubted && spooled > 0) await respool();
        // Queued during the write, so after its rows (at the same place, they would go before).
        unblock(blocks.splice(0), afterBack);
        if (!failing) {
          logger.warn("request log: cannot write to the database, keeping rows in memory", {
            queued: waiting(),
            max: maxQueue,
            error: error instanceof Error ? error.message.slice(0, 300) : String(error),
          });
        }
        failing = true;
        await spoolNew();
        retryDelayMs = Math.min(Math.max(retryDelayMs * 2, 500), 5_000);
        retryAt = Date.now() + retryDelayMs;
      } finally {
        running = undefined;
        // Rows left wait for the next write: after the backoff, or a flush interval from this one.
        if (waiting() > 0) scheduleWrite();
      }
    })();
    return running;
  }

  // Rows an earlier run could not write (it stopped or crashed during an outage) go first.
  const { entries: leftover, doubts: leftoverDoubts } = spool?.load() ?? { entries: [], doubts: new Map() };
  for (const [entry, write] of leftoverDoubts) doubts.set(entry, write);
  if (leftover.length > 0) {
    for (const row of leftover) {
      queue.push(row);
      counted(row, 1);
      queuedBodyChars += bodyChars(row);
    }
    spooled = leftover.length;
    unvetted = leftover.length;
    logger.info("request log: writing rows kept from the last run", {
      rows: leftover.length,
      file: spool?.file,
    });
    scheduleWrite();
  }

  /**
   * Asks whether each write that lost its answer stored its rows (writeOutcome); the rows of one that
   * did leave the queue and the spool file as written. Returns how many. Throws in an outage (asked
   * again at the next write). A write whose fate cannot be told has its rows written again.
   */
  async function settleDoubts(): Promise<number> {
    let count = 0;
    for (let i = queue.length - 1; i >= 0 && count === 0; i--) if (doubts.has(queue[i]!)) count = i + 1;
    if (count === 0) {
      doubts.clear();
      return 0;
    }
    const writes = new Map([...doubts.values()].map((write) => [write.xid, write]));
    const names = new Set<string>();
    const removed = await dropFromFront(
      count,
      async (entries) => {
        const stored = new Set<string>();
        for (const write of writes.values()) {
          const outcome = await writeOutcome(sql, write);
          if (outcome === "committed") stored.add(write.xid);
          if (outcome === "unknown") {
            logger.warn(
              "request log: cannot tell whether rows whose write lost its answer are stored; written again, they may show twice",
              { transaction: write.xid },
            );
          }
        }
        const keep = new Set<number>();
        entries.forEach((entry, i) => {
          const write = doubts.get(entry);
          if (write && stored.has(write.xid)) names.add(entry.name);
          else keep.add(i);
        });
        return keep;
      },
      STORED_SAY,
    );
    doubts.clear();
    written += removed;
    if (removed > 0) await announce(names);
    return removed;
  }

  /** Drops rows the database refused (a bug or a schema problem, not an outage), counted. */
  function refuse(rows: number, error: unknown): void {
    dropped += rows;
    refused.add(rows);
    lastRefusal = error instanceof Error ? error.message.slice(0, 300) : String(error);
    refused.report();
  }

  /**
   * Puts the rows of these blocks (taken out of `blocks`) into the queue at `at`, by default after
   * what is spooled: they were queued before the rows behind it, give or take the moment.
   */
  function unblock(taken: CopyBlock[], at = spooled): NewRequestLog[] {
    if (taken.length === 0) return [];
    const rows: NewRequestLog[] = [];
    for (const block of taken) {
      const read = block.rows();
      rows.push(...read.rows);
      blockRows -= block.count;
      if (read.unreadable === 0) continue;
      dropped += read.unreadable;
      logger.error("request log: queued rows could not be read back; they are dropped", {
        rows: read.unreadable,
      });
    }
    spliceIn(queue, at, 0, rows);
    for (const row of rows) counted(row, 1);
    return rows;
  }

  /**
   * Adds a plain row to the last block, or a new one. False if it cannot be written as COPY data
   * (an invalid date): queued as an object instead, it meets the database's verdict like any row.
   */
  function addToBlock(row: NewRequestLog): boolean {
    try {
      if (blocks.at(-1)?.add(row)) return true;
      const block = new CopyBlock();
      block.add(row);
      blocks.push(block);
      return true;
    } catch {
      return false;
    }
  }

  /** Rows dropped because the queue was full: counted, and logged at most once per interval. */
  function dropFull(): void {
    dropped += 1;
    queueFull.add();
  }

  /**
   * Checks the first `count` queued entries with `keepOf`, which returns the indexes of those to
   * keep, and drops the others from the queue and the spool file; returns how many. Throws in an
   * outage (nothing changed; tried again at the next write). A database that answers but refuses
   * the check (a bug) writes them as before.
   */
  async function dropFromFront(
    count: number,
    keepOf: (entries: RequestLogEntry[]) => Promise<Set<number>>,
    says: { refused: string; dropped: string },
  ): Promise<number> {
    let keep: Set<number>;
    try {
      keep = await keepOf(queue.slice(0, count));
    } catch (error) {
      if (isOutage(error) || !(await databaseAnswers())) throw error;
      logger.error(says.refused, {
        error: error instanceof Error ? error.message.slice(0, 300) : String(error),
      });
      return 0;
    }
    if (keep.size === count) return 0;
    const kept: RequestLogEntry[] = [];
    const before = { spooled, unvetted, waitedOut };
    queue.slice(0, count).forEach((entry, i) => {
      if (keep.has(i)) {
        kept.push(entry);
        return;
      }
      queuedBodyChars -= bodyChars(entry);
      counted(entry, -1);
      doubts.delete(entry);
      if (!isRequestLogEnd(entry) && entry.streamKey) awaitingEnd.delete(entry.streamKey);
      // The counts of the queue's front stay true of the queue that is left.
      if (i < before.spooled) spooled -= 1;
      if (i < before.unvetted) unvetted -= 1;
      if (i < before.waitedOut) waitedOut -= 1;
    });
    // Not splice(…, ...kept): a spool can hold more rows than a call takes arguments.
    spliceIn(queue, 0, count, kept);
    const removed = count - kept.length;
    logger.info(says.dropped, { rows: removed });
    // The file holds the queue's front again (empty when nothing else was spooled).
    if (spooled < before.spooled) {
      await (spooled > 0 ? respool() : onSpool(async () => void (await spool?.replace([]))));
    }
    return removed;
  }

  /** Takes `count` rows off the front of the queue. */
  function shift(count: number): void {
    for (const row of queue.splice(0, count)) {
      queuedBodyChars -= bodyChars(row);
      counted(row, -1);
      if (doubts.size > 0) doubts.delete(row);
    }
  }

  /**
   * Finishes a queued open row with its end, as if it had been queued closed (a checkpoint brings
   * it up to date and leaves it open). The row object is changed in place (it is in the queue): an
   * open row is the writer's once pushed.
   */
  function finishQueued(row: NewRequestLog, end: RequestLogEnd): void {
    queuedBodyChars -= bodyChars(row);
    if (end.final) {
      row.open = false;
      row.streamKey = null;
    }
    if (end.status !== null) {
      row.status = end.status;
      row.responseHeaders = end.responseHeaders;
    }
    row.durationMs = end.durationMs;
    row.bytesIn = end.bytesIn;
    row.bytesOut = end.bytesOut;
    row.error = end.error;
    row.requestBody = end.requestBody;
    row.responseBody = end.responseBody;
    row.responseBodyDecoded = end.responseBodyDecoded;
    row.frameTimes = end.frameTimes;
    if (!bodiesFit(row)) withoutBodies(row);
  }

  /**
   * Whether an entry's bodies fit within maxBodyChars with the queue's: if so they are counted,
   * if not the caller queues the entry without them (counted and reported as shed).
   */
  function bodiesFit(entry: RequestLogEntry): boolean {
    const chars = bodyChars(entry);
    if (chars > 0 && queuedBodyChars + chars > maxBodyChars) {
      bodiesShed.add();
      return false;
    }
    queuedBodyChars += chars;
    return true;
  }

  return {
    push(entry) {
      if (closed) {
        // Not "queue full": close() already said what it could not write.
        dropped += 1;
        return;
      }
      if (isRequestLogEnd(entry)) {
        const row = awaitingEnd.get(entry.streamKey);
        if (row) {
          // A checkpoint leaves the row open, and still to be finished here.
          if (entry.final) awaitingEnd.delete(entry.streamKey);
          finishQueued(row, entry);
          return;
        }
      }
      if (waiting() >= maxQueue) {
        dropFull();
        return;
      }
      if (
        copyFrom &&
        !failing &&
        spooled === 0 &&
        !isRequestLogEnd(entry) &&
        isPlain(entry) &&
        !queuedRowsOf.has(entry.name) &&
        addToBlock(entry)
      ) {
        blockRows += 1;
      } else {
        // A copy when bodies are dropped: the caller's object is not ours to change.
        if (!bodiesFit(entry)) entry = withoutBodies({ ...entry });
        queue.push(entry);
        counted(entry, 1);
        if (!isRequestLogEnd(entry) && entry.open && entry.streamKey) awaitingEnd.set(entry.streamKey, entry);
      }
      if (waiting() >= batchSize && !running && !failing) void drain();
      else scheduleWrite();
    },
    dropBodies(name) {
      let onDisk = false;
      for (let i = 0; i < queue.length; i++) {
        const entry = queue[i]!;
        const chars = entry.name === name ? bodyChars(entry) : 0;
        if (chars === 0) continue;
        queuedBodyChars -= chars;
        // An open row is the writer's (an end may be finishing it in place); other rows are copied.
        const open = !isRequestLogEnd(entry) && entry.open;
        const changed = withoutBodies(open ? entry : { ...entry });
        const doubt = doubts.get(entry);
        if (doubt && changed !== entry) {
          doubts.delete(entry);
          doubts.set(changed, doubt);
        }
        queue[i] = changed;
        if (i < spooled) onDisk = true;
      }
      // Rows kept on disk through an outage lose their bodies there too, not only when written.
      if (onDisk) void respool();
    },
    async flush() {
      // A drain already running may have started before the rows the caller cares about.
      if (running) await running;
      if (waiting() > 0) await drain();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(reportTimer);
      clearTimeout(writeTimer);
      writeTimer = undefined;
      if (running) await running;
      if (waiting() > 0) await drain();
      // Nothing is pushed any more: what a write left in blocks waits in the queue from here on.
      unblock(blocks.splice(0));
      // Rows dropped by a full queue are reported first; the rows lost here are reported as lost,
      // not again as "queue full".
      queueFull.report(true);
      if (queue.length > 0 && spool) {
        await spoolNew();
        // A spool given up during the run (a full disk) gets one more chance, written whole.
        if (spooled !== queue.length) {
          await onSpool(async () => {
            if (await spool.replaceAtShutdown(queue, doubts)) spooled = queue.length;
          });
        }
        if (spooled === queue.length) {
          logger.warn("request log: database unreachable at shutdown; rows kept for the next start", {
            rows: queue.length,
            file: spool.file,
          });
          shift(queue.length);
          spooled = 0;
        }
      }
      if (queue.length > 0) {
        dropped += queue.length;
        logger.warn("request log: closing with rows not written", { lost: queue.length });
        shift(queue.length);
      }
      bodiesShed.report(true);
      refused.report(true);
    },
    stats() {
      return { queued: waiting(), written, dropped };
    },
  };
}
