import "server-only";
import type { Db } from "../db.ts";

/** What a user has done so far, for the overview's Get started card. */
export interface GettingStarted {
  keys: number;
  /** Any tunnel of theirs ever connected: from then on the card is not shown. */
  connectedBefore: boolean;
}

export async function loadGettingStarted(db: Db, userId: string): Promise<GettingStarted> {
  const [keys, session] = await Promise.all([
    db.sshKey.count({ where: { userId } }),
    db.tunnelSession.findFirst({ where: { userId }, select: { id: true } }),
  ]);
  return { keys, connectedBefore: session !== null };
}
