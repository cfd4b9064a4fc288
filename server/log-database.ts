import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFromStdin } from "pg-copy-streams";
import type { Db } from "../lib/db.ts";

/**
 * The transaction a write ran in, as PostgreSQL numbers it (txid_current) and the server process
 * that ran it: enough to learn later whether it committed (writeOutcome).
 */
export interface WriteTransaction {
  xid: string;
  pid: number;
}

/** What the request log writer needs from a database: one parameterised statement at a time. */
export interface SqlRunner {
  query(text: string, values?: unknown[]): Promise<unknown>;
  /**
   * Runs `statement` (a COPY … FROM STDIN) with `data` as its input, in a transaction of its own
   * that `onBegun` is told about before any row is sent; only plain `pg` can.
   */
  copyFrom?(
    statement: string,
    data: Iterable<Buffer>,
    onBegun?: (write: WriteTransaction) => void,
  ): Promise<void>;
}

/** Far beyond a batch's write (a 20,000-row COPY takes well under a second here). */
const QUERY_TIMEOUT_MS = 10_000;

/** pg's error for a statement that got no answer within query_timeout. */
const QUERY_TIMEOUT_MESSAGE = "Query read timeout";

/**
 * True for a statement that got no answer in time: an outage to wait out, never a batch the
 * database refused (a slow database answers SELECT 1 too, and the batch would be dropped).
 */
export function isQueryTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === QUERY_TIMEOUT_MESSAGE;
}

/**
 * Errors that say the connection broke, not that the database refused the statement: reset or
 * closed sockets, PostgreSQL's shutdown (57P0x) and connection (08xxx) errors, and Prisma's
 * (prismaSqlRunner) for a server it cannot reach, that timed out or closed the connection.
 */
const CONNECTION_LOST_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "57P01",
  "57P02",
  "57P03",
  "P1001",
  "P1002",
  "P1008",
  "P1017",
]);

/**
 * True for a statement that failed because its connection broke. The database may be back by the
 * time anything checks (a restart, a network that heals with a reset), so asking it tells nothing:
 * the rows were never refused and must be kept, not dropped as a batch the database rejects.
 */
export function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (CONNECTION_LOST_CODES.has(code) || code.startsWith("08"))) return true;
  return /^Connection terminated|not queryable/.test(error.message);
}

/** An outage to wait out, whatever a check of the database says now (see the two above). */
export function isOutage(error: unknown): boolean {
  return isQueryTimeout(error) || isConnectionLost(error);
}

/** The relay's request log pool: statements, COPY, and end() on shutdown. */
export interface LogPool extends SqlRunner {
  copyFrom(
    statement: string,
    data: Iterable<Buffer>,
    onBegun?: (write: WriteTransaction) => void,
  ): Promise<void>;
  end(): Promise<void>;
}

/**
 * The relay's own small pool for request log batches. Plain `pg` rather than the Prisma client:
 * every proxied request pays for its row, and a raw statement through Prisma's query interpreter
 * cost about 3 % of the relay's CPU at 64 busy connections (bench/profile-summary.ts), against a
 * fraction of that for the driver alone, and COPY (pg-copy-streams) needs a plain connection. Two
 * connections: one batch in flight and the probe that tells an outage from a refused batch.
 */
export function createLogPool(databaseUrl: string, options: { queryTimeoutMs?: number } = {}): LogPool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 2,
    application_name: "burrow-relay-log",
    // Fail fast while the database is down: the writer keeps its rows and retries with backoff.
    connectionTimeoutMillis: 5_000,
    // A database that stops answering (packets dropped, a paused VM) fails no statement by itself:
    // a write would wait for the kernel's TCP timeout (~15 min), never spooling its rows, and a
    // stop would wait for it until it is abandoned with every queued row. A timed-out connection
    // is closed, so the database drops a COPY that had not finished.
    query_timeout: options.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
  });
  // An idle connection cut by a database restart emits "error" on the pool; unhandled, that would
  // end the process. The next query opens a fresh connection, and the writer reports the outage.
  pool.on("error", () => {});
  return {
    query: (text, values) => pool.query(text, values),
    async copyFrom(statement, data, onBegun) {
      const client = await pool.connect();
      // A connection cut while checked out (a database restart mid-COPY) emits "error" on the
      // client as well as failing the COPY, and the pool listens only on idle clients: unhandled,
      // that error would end the relay. The COPY's own failure is what the writer acts on.
      const ignore = () => {};
      client.on("error", ignore);
      try {
        // In a transaction whose number is known, rather than committed by the COPY itself: when
        // the connection breaks after the database stored the rows but before it said so, the
        // writer can ask whether they are stored instead of writing them a second time.
        const [, begun] = (await client.query(
          "BEGIN; SELECT txid_current()::text AS xid, pg_backend_pid() AS pid",
        )) as unknown as [pg.QueryResult, pg.QueryResult<WriteTransaction>];
        const write = begun.rows[0];
        if (write) onBegun?.({ xid: write.xid, pid: write.pid });
        await pipeline(Readable.from(data), client.query(copyFromStdin(statement)));
        await client.query("COMMIT");
      } catch (error) {
        // A connection whose COPY failed midway is not reused: its protocol state is unknown. It
        // keeps the listener: it may report its end once more on the way out.
        client.release(true);
        throw error;
      }
      client.off("error", ignore);
      client.release();
    },
    end: () => pool.end(),
  };
}

/** What became of a write whose answer never came (its connection broke). */
export type WriteOutcome = "committed" | "not committed" | "unknown";

/** How long a write's server process gets to end once told to (see writeOutcome). */
const TERMINATE_WAIT_MS = 2_000;

/**
 * Whether the write in `write` committed. PostgreSQL keeps each transaction's fate (txid_status):
 * committed, aborted, or still in progress when its server process has not yet noticed that its
 * connection is gone (a network that dropped it silently). That process is then ended, so the write
 * can no longer commit late, and asked again. "unknown": too old to tell, or it did not end in time.
 * Throws when the database cannot be asked (still an outage).
 */
export async function writeOutcome(sql: SqlRunner, write: WriteTransaction): Promise<WriteOutcome> {
  const status = async () => {
    const result = (await sql.query("SELECT txid_status($1::bigint) AS status", [write.xid])) as {
      rows: { status: string | null }[];
    };
    return result.rows[0]?.status ?? null;
  };
  let now = await status();
  if (now === "in progress") {
    // Only that process, and only while it still runs that transaction (a pid can be reused).
    await sql.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE pid = $1 AND backend_xid::text::bigint = $2::bigint % 4294967296`,
      [write.pid, write.xid],
    );
    const deadline = Date.now() + TERMINATE_WAIT_MS;
    while (now === "in progress" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      now = await status();
    }
  }
  if (now === "committed") return "committed";
  if (now === "aborted") return "not committed";
  return "unknown";
}

/** The same statements through the Prisma client, for an edge built without a connection string. */
export function prismaSqlRunner(db: Db): SqlRunner {
  // Rows as pg gives them ({ rows }): the spool's owner check reads them (log-leftover-owners.ts).
  return { query: async (text, values = []) => ({ rows: await db.$queryRawUnsafe(text, ...values) }) };
}
