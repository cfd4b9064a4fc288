import { z } from "zod";
import type { Db } from "../db.ts";
import { ownedReservation } from "../names/service.ts";
import { relayCommandQuery } from "../relay-control.ts";
import { parseInput } from "../validate.ts";

/** The "Keep bodies" switch of a name's request log: a boolean, or "true"/"false" from a form. */
export const keepBodiesSchema = z.object({
  keep: z.union([z.boolean(), z.enum(["true", "false"]).transform((value) => value === "true")], {
    message: "Choose whether to keep bodies",
  }),
});

/**
 * Turns keeping bodies on or off for one of the user's names. The relay is told at once (with the
 * access state it caches), so the next request already follows the new setting, and turned off,
 * connections still open (WebSockets, event streams) keep nothing more. Rows stored before keep
 * what they have. Returns the setting as stored.
 */
export async function setKeepBodies(db: Db, userId: string, name: string, input: unknown): Promise<boolean> {
  const { keep } = parseInput(keepBodiesSchema, input);
  const reservation = await ownedReservation(db, userId, name);
  await db.$transaction([
    db.reservation.update({ where: { id: reservation.id }, data: { keepBodies: keep } }),
    relayCommandQuery(db, { type: "access-changed", name: reservation.name, keepBodies: keep }),
  ]);
  return keep;
}
