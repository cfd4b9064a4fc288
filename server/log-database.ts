import pg from "pg";
import type { Db } from "../lib/db.ts";

/** What the request log writer needs from a database: one parameterised statement at a time. */
export interface SqlRunner {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/**
 * The relay's own small pool for request log batches. Plain `pg` rather than the Prisma client:
 * every proxied request pays for its row, and a raw statement through Prisma's query interpreter
 * cost about 3 % of the relay's CPU at 64 busy connections (bench/profile-summary.ts), against a
 * fraction of that for the driver alone. Two connections: one batch in flight and the probe that
 * tells an outage from a refused batch.
 */
export function createLogPool(databaseUrl: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 2,
    application_name: "burrow-relay-log",
    // Fail fast while the database is down: the writer keeps its rows and retries with backoff.
    connectionTimeoutMillis: 5_000,
  });
  // An idle connection cut by a database restart emits "error" on the pool; unhandled, that would
  // end the process. The next query opens a fresh connection, and the writer reports the outage.
  pool.on("error", () => {});
  return pool;
}

/** The same statements through the Prisma client, for an edge built without a connection string. */
export function prismaSqlRunner(db: Db): SqlRunner {
  return { query: (text, values = []) => db.$executeRawUnsafe(text, ...values) };
}
