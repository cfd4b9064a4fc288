import type { Db } from "../../lib/db.ts";
import type { Env } from "../../lib/env.ts";
import { randomNameHolder, reclaimRandomName } from "../../lib/names/random-hold.ts";
import { randomName } from "../../lib/names/rules.ts";
import type { TunnelRegistry } from "../registry.ts";
import { messages, type SignedIn } from "./messages.ts";

export type Claim =
  | {
      ok: true;
      name: string;
      reservationId: string | null;
      /** No reservation: a name the relay picked, now or (`reclaimed`) for an earlier tunnel. */
      random: boolean;
      reclaimed: boolean;
    }
  | { ok: false; message: string };

/** Collisions of 72-bit names are next to impossible; a few tries only cover a broken generator. */
const RANDOM_NAME_ATTEMPTS = 5;

/**
 * Decides whether `userId` may serve a name. A named tunnel needs a reservation owned by that user,
 * or to be a random name the relay gave that user within BURROW_RANDOM_NAME_HOURS (reconnecting to
 * it): anything else, someone else's reservation or random name included, is refused — which is
 * also why another user can never take over a live name. A new random name must collide with
 * neither a reservation nor a live tunnel. Throws when the database cannot be reached.
 */
export async function claimName(
  request: { kind: "named"; name: string } | { kind: "random" },
  context: { db: Db; config: Env; registry: TunnelRegistry; userId: string; signedIn: SignedIn },
): Promise<Claim> {
  const { db, config, registry, userId, signedIn } = context;
  if (request.kind === "named") {
    const { name } = request;
    const [reservation, random] = await Promise.all([
      db.reservation.findUnique({ where: { name }, select: { id: true, userId: true } }),
      randomNameHolder(db, name),
    ]);
    if (reservation) {
      if (reservation.userId !== userId)
        return { ok: false, message: messages.reservedByOther(name, signedIn) };
      return { ok: true, name, reservationId: reservation.id, random: false, reclaimed: false };
    }
    if (!random) return { ok: false, message: messages.notReserved(config, name) };
    if (!config.BURROW_ALLOW_RANDOM_NAMES)
      return { ok: false, message: messages.randomNamesDisabled(config) };
    switch (reclaimRandomName(random, userId, config.BURROW_RANDOM_NAME_HOURS, new Date())) {
      case "yours":
        return { ok: true, name, reservationId: null, random: true, reclaimed: true };
      case "expired":
        return { ok: false, message: messages.randomNameExpired(config, name) };
      case "other":
        return { ok: false, message: messages.randomNameOfOther(name, signedIn) };
    }
  }

  if (!config.BURROW_ALLOW_RANDOM_NAMES) return { ok: false, message: messages.randomNamesDisabled(config) };
  for (let attempt = 0; attempt < RANDOM_NAME_ATTEMPTS; attempt++) {
    const name = randomName();
    if (registry.get(name)) continue;
    const reserved = await db.reservation.findUnique({ where: { name }, select: { id: true } });
    if (!reserved) return { ok: true, name, reservationId: null, random: true, reclaimed: false };
  }
  return { ok: false, message: messages.randomNameExhausted };
}
