import { hostname } from "node:os";
import pg from "pg";
import { z } from "zod";
import { isProcessAlive } from "../db/postgres-process.ts";
import { withDatabase } from "./with-database.ts";

/** The names of the databases createTestDatabase makes (LIKE pattern). */
export const TEST_DATABASE_PATTERN = "burrow\\_test\\_%";

/**
 * A leftover from another host is one older than this: no run lasts that long (scripts/test.ts
 * stops a phase after 35 minutes), and the host's processes cannot be looked at from here.
 */
const OTHER_HOST_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Who made a test database, kept as its comment: the test run (scripts/test.ts, whose pid its test
 * files get as BURROW_TEST_RUN_PID; a file run by itself is its own run) on which host, when.
 */
const makerSchema = z.object({ host: z.string(), pid: z.number().int().positive(), at: z.coerce.date() });
export type Maker = z.infer<typeof makerSchema>;

/** This process's run, for the comment of a database it makes. */
export function currentMaker(): Maker {
  const run = Number(process.env.BURROW_TEST_RUN_PID);
  return { host: hostname(), pid: Number.isInteger(run) && run > 0 ? run : process.pid, at: new Date() };
}

/** The statement that records `maker` on the database `name`. */
export function commentSql(name: string, maker: Maker): string {
  return `COMMENT ON DATABASE ${pg.escapeIdentifier(name)} IS ${pg.escapeLiteral(JSON.stringify(maker))}`;
}

/**
 * Drops the test databases that runs stopped midway left on the server (Ctrl-C, `npm test | head`,
 * a killed CI job: their files' `after` hooks never ran), and returns their names. Never one in
 * use (a connection to it), nor one whose run still goes on: made on this host by a process that
 * still runs, or on another host within the last day. Nor one without a maker: it may be a
 * database another run has just created and not yet commented, or not a test run's at all.
 */
export async function dropLeftoverTestDatabases(
  serverUrl: string,
  { pattern = TEST_DATABASE_PATTERN, now = new Date() }: { pattern?: string; now?: Date } = {},
): Promise<string[]> {
  return withDatabase(serverUrl, async (admin) => {
    const { rows } = await admin.query<{ name: string; comment: string | null; connections: number }>(
      `SELECT d.datname AS name, shobj_description(d.oid, 'pg_database') AS comment,
              (SELECT count(*) FROM pg_stat_activity a WHERE a.datid = d.oid)::int AS connections
       FROM pg_database d WHERE d.datname LIKE $1`,
      [pattern],
    );
    const dropped: string[] = [];
    for (const { name, comment, connections } of rows) {
      if (connections > 0) continue;
      const maker = comment === null ? undefined : parseMaker(comment);
      if (!maker) continue;
      const alive =
        maker.host === hostname()
          ? isProcessAlive(maker.pid)
          : now.getTime() - maker.at.getTime() < OTHER_HOST_AGE_MS;
      if (alive) continue;
      try {
        // Not WITH (FORCE): a test that connected since the check keeps its database.
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}`);
        dropped.push(name);
      } catch {
        // In use after all, or not ours to drop: left for a later run.
      }
    }
    return dropped;
  });
}

function parseMaker(comment: string): Maker | undefined {
  try {
    const parsed = makerSchema.safeParse(JSON.parse(comment));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
