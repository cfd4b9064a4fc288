/**
 * The owner's "Delete…" on a name's request log (a reservation's or a random name's): all its rows, or only the bodies they kept (which
 * may hold what visitors typed into forms; the owner should not have to wait for retention).
 */
import { z } from "zod";
import type { Db } from "../db.ts";
import { AppError } from "../errors.ts";
import { getNameForUser } from "../names/service.ts";
import { sendRelayCommand } from "../relay-control.ts";
import { parseInput } from "../validate.ts";
import { KEPT_BODIES, requestRefSchema } from "./query.ts";
import { deleteNameRows, inBatches, RETENTION_BATCH } from "./retention.ts";

export const clearRequestLogSchema = z.object({
  what: z.enum(["bodies", "all"], { message: "Choose the kept bodies or all requests" }),
});
export type ClearWhat = z.infer<typeof clearRequestLogSchema>["what"];

/**
 * Deletes one of the user's names' rows (`all`) or empties their kept bodies (`bodies`); returns
 * how many rows changed. In batches, like retention, so the relay's log writes never wait long
 * behind a big log. Rows the relay still holds (up to a second's, and those of requests under way
 * or connections still open) are written afterwards, but without what they kept before now: the
 * relay hears so first (bodies-deleted), so a row it writes meanwhile is one this then reaches.
 */
export async function clearRequestLog(db: Db, userId: string, name: string, input: unknown): Promise<number> {
  const { what } = parseInput(clearRequestLogSchema, input);
  // The user's reservation or random name: its log is theirs to empty.
  const owned = await getNameForUser(db, userId, name);
  return clearNameLog(db, owned.name, what);
}

/**
 * clearRequestLog without the owner check, for the server's administrator (`burrow logs <name>
 * --delete`): any name's log, reserved or not (random names' logs outlive their tunnels). `logName`
 * as the log stores it (lower case).
 */
export async function clearNameLog(db: Db, logName: string, what: ClearWhat): Promise<number> {
  await sendRelayCommand(db, { type: "bodies-deleted", name: logName });
  if (what === "all") return deleteNameRows(db, logName);
  // By primary key, as deleteNameRows does.
  return inBatches(
    RETENTION_BATCH,
    () => db.$executeRaw`
      UPDATE request_logs
      SET request_body = NULL, response_body = NULL, response_body_decoded = NULL, frame_times = NULL
      WHERE id = ANY(ARRAY(
        SELECT id FROM request_logs
        WHERE name = ${logName} AND (request_body IS NOT NULL OR response_body IS NOT NULL)
        LIMIT ${RETENTION_BATCH}
      ))`,
  );
}

/** How many of a name's rows each choice would change: all of them, or those with kept bodies. */
export async function countClearable(db: Db, logName: string): Promise<Record<ClearWhat, number>> {
  const [all, bodies] = await Promise.all([
    db.requestLog.count({ where: { name: logName } }),
    db.requestLog.count({
      where: { name: logName, ...KEPT_BODIES },
    }),
  ]);
  return { all, bodies };
}

/** The owner's "Delete this request…": one row of the name's log, bodies and all. */
export async function deleteRequest(db: Db, userId: string, name: string, input: unknown): Promise<void> {
  const { id } = parseInput(requestRefSchema, input);
  const owned = await getNameForUser(db, userId, name);
  const { count } = await db.requestLog.deleteMany({ where: { id: BigInt(id), name: owned.name } });
  if (count === 0) throw new AppError("not_found", "This request is no longer in the log");
}
