import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFromStdin } from "pg-copy-streams";
import type { Db } from "../lib/db.ts";

/** What the request log writer needs from a database: one parameterised statement at a time. */
export interface SqlRunner {
  query(text: string, values?: unknown[]): Promise<unknown>;
  /** Runs `statement` (a COPY … FROM STDIN) with `data` as its input; only plain `pg` can. */
  copyFrom?(statement: string, data: Iterable<Buffer>): Promise<void>;
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
  copyFrom(statement: string, data: Iterable<Buffer>): Promise<void>;
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
    async copyFrom(statement, data) {
      const client = await pool.connect();
      // A connection cut while checked out (a database restart mid-COPY) emits "error" on the
      // client as well as failing the COPY, and the pool listens only on idle clients: unhandled,
      // that error would end the relay. The COPY's own failure is what the writer acts on.
      const ignore = () => {};
      client.on("error", ignore);
      try {
        await pipeline(Readable.from(data), client.query(copyFromStdin(statement)));
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

/** The same statements through the Prisma client, for an edge built without a connection string. */
export function prismaSqlRunner(db: Db): SqlRunner {
  // Rows as pg gives them ({ rows }): the spool's owner check reads them (log-leftover-owners.ts).
  return { query: async (text, values = []) => ({ rows: await db.$queryRawUnsafe(text, ...values) }) };
}
