import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate } from "../db/migrate.ts";
import { createDb, type Db } from "../db.ts";
import { commentSql, currentMaker } from "./leftover-databases.ts";

export interface TestDatabase {
  url: string;
  db: Db;
  /** Closes the client and drops the database. Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * The server tests run against: `BURROW_TEST_DATABASE_URL` (set by scripts/test.ts, which starts an
 * embedded PostgreSQL unless DATABASE_URL is set), else DATABASE_URL.
 */
export function testServerUrl(): string {
  const url = process.env.BURROW_TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error("No test database server: run tests through `npm test` (scripts/test.ts)");
  return url;
}

/**
 * Creates a fresh, migrated database with a unique name on the test server (or on `serverUrl`);
 * with `migrate: false`, an empty one, as a new server's database is before Burrow first runs.
 */
export async function createTestDatabase(
  label = "t",
  serverUrl = testServerUrl(),
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const server = new URL(serverUrl);
  const name = `burrow_test_${label.replace(/\W/g, "").slice(0, 20)}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    // Which run made it, for a later run to tell it from a leftover (leftover-databases.ts).
    await admin.query(commentSql(name, currentMaker()));
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  if (options.migrate !== false) await migrate(url.toString());
  const db = createDb(url.toString(), { max: 5, applicationName: `burrow-test-${label}` });
  let dropped = false;
  return {
    url: url.toString(),
    db,
    async drop() {
      if (dropped) return;
      dropped = true;
      await db.$disconnect();
      const client = new pg.Client({ connectionString: server.toString() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Writes one request-log row for `name` and holds it from another connection (SELECT … FOR UPDATE
 * in an open transaction) until `release()`: a delete of that name's log waits, as one of millions
 * of rows takes seconds (5M took 7 s on the dev machine). Release is safe to call twice.
 */
export async function holdLogRow(
  database: TestDatabase,
  name: string,
): Promise<{ release(): Promise<void> }> {
  await database.db.requestLog.create({
    data: { name, method: "GET", path: "/", status: 200, durationMs: 1, clientIp: "::1" },
  });
  const holder = new pg.Client({ connectionString: database.url });
  await holder.connect();
  await holder.query("BEGIN");
  await holder.query("SELECT id FROM request_logs WHERE name = $1 FOR UPDATE", [name]);
  let released: Promise<void> | undefined;
  return {
    release() {
      released ??= holder.query("ROLLBACK").then(
        () => holder.end(),
        () => holder.end(),
      );
      return released;
    },
  };
}
