/**
 * The owner's "Delete…" on a name's request log (a reservation's or a random name's): all its rows,
 * or only the bodies they kept (which may hold what visitors typed into forms; the owner should not
 * have to wait for retention).
 */
import { z } from "zod";
import { type Db, Prisma } from "../db.ts";
import { AppError } from "../errors.ts";
import { getNameForUser } from "../names/service.ts";
import { sendRelayCommand } from "../relay-control.ts";
import { parseInput } from "../validate.ts";
import { finishLogDeletion, type LogDeletionState, loggedRequests, startLogDeletion } from "./deletions.ts";
import { KEPT_BODIES, requestRefSchema } from "./query.ts";
import { RETENTION_BATCH } from "./retention.ts";

export const clearRequestLogSchema = z.object({
  what: z.enum(["bodies", "all"], { message: "Choose the kept bodies or all requests" }),
});
export type ClearWhat = z.infer<typeof clearRequestLogSchema>["what"];

/**
 * Empties one of the user's names' kept bodies (`bodies`); returns how many rows changed. In
 * batches, like retention, so the relay's log writes never wait long behind a big log. Rows the
 * relay still holds (up to a second's, and those of requests under way or connections still open)
 * are written afterwards, but without what they kept before now: the relay hears so first
 * (bodies-deleted), so a row it writes meanwhile is one this then reaches. Deleting all requests
 * goes through startRequestLogClear instead: it may take minutes.
 */
export async function clearRequestLog(db: Db, userId: string, name: string, input: unknown): Promise<number> {
  const { what } = parseInput(clearRequestLogSchema, input);
  // The user's reservation or random name: its log is theirs to empty.
  const owned = await getNameForUser(db, userId, name);
  return clearNameLog(db, owned.name, what);
}

/**
 * The owner's Delete all requests: asks for the deletion of the name's whole log as it is now and
 * returns at once (runLogDeletion does the work, in the background). The relay hears first, as for
 * bodies, so what open connections kept goes too.
 */
export async function startRequestLogClear(db: Db, userId: string, name: string): Promise<LogDeletionState> {
  const owned = await getNameForUser(db, userId, name);
  await sendRelayCommand(db, { type: "bodies-deleted", name: owned.name });
  return startLogDeletion(db, owned.name, "all");
}

/**
 * clearRequestLog without the owner check, for the server's administrator (`burrow logs <name>
 * --delete`): any name's log, reserved or not (random names' logs outlive their tunnels). `logName`
 * as the log stores it (lower case). With `all`, waits until the log is deleted (working on it, or
 * watching whoever does), telling `onProgress` as it goes; returns how many rows went.
 */
export async function clearNameLog(
  db: Db,
  logName: string,
  what: ClearWhat,
  onProgress?: (state: LogDeletionState) => void,
): Promise<number> {
  await sendRelayCommand(db, { type: "bodies-deleted", name: logName });
  if (what === "bodies") return emptyKeptBodies(db, logName);
  await startLogDeletion(db, logName, "all");
  const done = await finishLogDeletion(db, logName, { onProgress });
  return done?.deleted ?? 0;
}

/**
 * Rows of the name's log one batch looks through at most, newest first, for kept bodies: a batch
 * is one short statement however rare they are.
 */
export const BODIES_SCAN_ROWS = 50_000;

/**
 * Empties the name's kept bodies a batch at a time, down the name's id index, each batch going on
 * below where the last one stopped. Each batch used to look for bodies from the start of the table
 * again, passing over every row it had emptied or that kept none: the whole log read once per
 * 5,000 bodies (26 batches of up to 4.3 s for 128k bodies in 2.6M rows, and beyond the query
 * timeout on a log ten times that). Returns how many rows changed.
 */
async function emptyKeptBodies(db: Db, logName: string): Promise<number> {
  let below: bigint | null = null;
  let changed = 0;
  for (;;) {
    const rows: { emptied: number; lowest: bigint | null; floor: bigint | null }[] = await db.$queryRaw(
      emptyBodiesBatchSql(logName, below),
    );
    const batch = rows[0];
    const emptied = Number(batch?.emptied ?? 0);
    changed += emptied;
    // A full batch may have left bodies in its span: the next one goes on below the last it took.
    if (emptied === RETENTION_BATCH && batch?.lowest) below = batch.lowest;
    else if (batch?.floor) below = batch.floor + 1n;
    else return changed;
  }
}

/**
 * One batch of emptyKeptBodies: the newest RETENTION_BATCH rows with kept bodies below `below`,
 * among the next BODIES_SCAN_ROWS of the name's rows (down to `floor`, the first row past them;
 * null when fewer are left), by primary key as deleteNameRows does. Exported for the test that
 * EXPLAINs it.
 */
export function emptyBodiesBatchSql(logName: string, below: bigint | null): Prisma.Sql {
  const under = below === null ? Prisma.empty : Prisma.sql`AND id < ${below}`;
  return Prisma.sql`
    WITH floor AS (
      SELECT id FROM request_logs WHERE name = ${logName} ${under}
      ORDER BY id DESC OFFSET ${BODIES_SCAN_ROWS} LIMIT 1
    ), emptied AS (
      UPDATE request_logs
      SET request_body = NULL, response_body = NULL, response_body_decoded = NULL, frame_times = NULL
      WHERE id = ANY(ARRAY(
        SELECT id FROM request_logs
        WHERE name = ${logName} ${under} AND id > coalesce((SELECT id FROM floor), 0)
          AND (request_body IS NOT NULL OR response_body IS NOT NULL)
        ORDER BY id DESC LIMIT ${RETENTION_BATCH}
      ))
      RETURNING id
    )
    SELECT (SELECT count(*) FROM emptied)::int AS emptied, (SELECT min(id) FROM emptied) AS lowest,
           (SELECT id FROM floor) AS floor`;
}

/**
 * How many of a name's rows `what` would change: all of them, or those with kept bodies. All of
 * them from the per-minute counts (loggedRequests), not by counting millions of rows.
 */
export async function countClearable(db: Db, logName: string, what: ClearWhat): Promise<number> {
  if (what === "all") return loggedRequests(db, logName);
  return db.requestLog.count({ where: { name: logName, ...KEPT_BODIES } });
}

/** The owner's "Delete this request…": one row of the name's log, bodies and all. */
export async function deleteRequest(db: Db, userId: string, name: string, input: unknown): Promise<void> {
  const { id } = parseInput(requestRefSchema, input);
  const owned = await getNameForUser(db, userId, name);
  const { count } = await db.requestLog.deleteMany({ where: { id: BigInt(id), name: owned.name } });
  if (count === 0) throw new AppError("not_found", "This request is no longer in the log");
}
