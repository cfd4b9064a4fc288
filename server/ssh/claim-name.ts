import type { Db } from "../../lib/db.ts";
import type { Env } from "../../lib/env.ts";
import { randomName } from "../../lib/names/rules.ts";
import type { TunnelRegistry } from "../registry.ts";
import { messages } from "./messages.ts";

export type Claim =
  | { ok: true; name: string; reservationId: string | null; random: boolean }
  | { ok: false; message: string };

/** Collisions of 72-bit names are next to impossible; a few tries only cover a broken generator. */
const RANDOM_NAME_ATTEMPTS = 5;

/**
 * Decides whether `userId` may serve a name. A named tunnel needs a reservation owned by that user:
 * no reservation, or someone else's, is refused — which is also why another user can never take
 * over a live name. A random name must collide with neither a reservation nor a live tunnel.
 * Throws when the database cannot be reached.
 */
export async function claimName(
  request: { kind: "named"; name: string } | { kind: "random" },
  context: { db: Db; config: Env; registry: TunnelRegistry; userId: string },
): Promise<Claim> {
  const { db, config, registry, userId } = context;
  if (request.kind === "named") {
    const reservation = await db.reservation.findUnique({
      where: { name: request.name },
      select: { id: true, userId: true },
    });
    if (!reservation) return { ok: false, message: messages.notReserved(config, request.name) };
    if (reservation.userId !== userId) return { ok: false, message: messages.reservedByOther(request.name) };
    return { ok: true, name: request.name, reservationId: reservation.id, random: false };
  }

  if (!config.BURROW_ALLOW_RANDOM_NAMES) return { ok: false, message: messages.randomNamesDisabled(config) };
  for (let attempt = 0; attempt < RANDOM_NAME_ATTEMPTS; attempt++) {
    const name = randomName();
    if (registry.get(name)) continue;
    const reserved = await db.reservation.findUnique({ where: { name }, select: { id: true } });
    if (!reserved) return { ok: true, name, reservationId: null, random: true };
  }
  return { ok: false, message: messages.randomNameExhausted };
}
