import "server-only";
import type { Db } from "../db.ts";
import { currentHostKeyFingerprint } from "../relay-health.ts";

/** What a user has done so far, for the overview's Get started card. */
export interface GettingStarted {
  keys: number;
  /** Any tunnel of theirs ever connected: from then on the card is not shown. */
  connectedBefore: boolean;
  /** What ssh asks them to confirm on their first connection; null until a relay has reported. */
  hostKeyFingerprint: string | null;
}

export async function loadGettingStarted(db: Db, userId: string): Promise<GettingStarted> {
  const [keys, session, hostKeyFingerprint] = await Promise.all([
    db.sshKey.count({ where: { userId } }),
    db.tunnelSession.findFirst({ where: { userId }, select: { id: true } }),
    currentHostKeyFingerprint(db),
  ]);
  return { keys, connectedBefore: session !== null, hostKeyFingerprint };
}
