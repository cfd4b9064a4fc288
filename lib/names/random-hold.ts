import type { Db } from "../db.ts";

/** The latest tunnel a name was handed out to as a random name: whose, and when it closed (null: open). */
export interface RandomNameUse {
  userId: string;
  startedAt: Date;
  endedAt: Date | null;
}

/** Whether a user may connect under a random name they were given before (`-R <name>:80:…`). */
export type RandomNameReclaim = "yours" | "expired" | "other";

const HOUR_MS = 60 * 60 * 1000;

/**
 * Who was last given `name` as a random name, or null if it never was one. Sessions are kept for
 * as long as their user, so this is the name's whole history.
 */
export function randomNameHolder(db: Pick<Db, "tunnelSession">, name: string): Promise<RandomNameUse | null> {
  return db.tunnelSession.findFirst({
    where: { name, randomName: true },
    orderBy: { startedAt: "desc" },
    select: { userId: true, startedAt: true, endedAt: true },
  });
}

/** Until when a closed random name is kept for its user; null while its tunnel is up. */
export function randomNameKeptUntil(use: Pick<RandomNameUse, "endedAt">, holdHours: number): Date | null {
  return use.endedAt && new Date(use.endedAt.getTime() + holdHours * HOUR_MS);
}

/**
 * A random name stays its user's while its tunnel is up and for `holdHours` after it closed, so a
 * dropped connection (a laptop's network, a relay restart) comes back to the address its link
 * went out with. Nobody else ever gets it.
 */
export function reclaimRandomName(
  use: RandomNameUse,
  userId: string,
  holdHours: number,
  now: Date,
): RandomNameReclaim {
  if (use.userId !== userId) return "other";
  return randomNameKept(use, holdHours, now) ? "yours" : "expired";
}

/** Whether a random name is still kept for its user: connected, or closed less than `holdHours` ago. */
export function randomNameKept(use: Pick<RandomNameUse, "endedAt">, holdHours: number, now: Date): boolean {
  const keptUntil = randomNameKeptUntil(use, holdHours);
  return keptUntil === null || now < keptUntil;
}
