import { type Db, Prisma } from "../db.ts";
import { HEARTBEAT_STALE_MS } from "../relay-heartbeat.ts";

/** The end reason of sessions closed because their relay was gone. */
export const RELAY_GONE = "relay_restart";

/** What tells one relay from another on a database: where it listens and its host key. */
export interface RelayIdentity {
  sshPort: number;
  httpPort: number;
  hostKeyFingerprint: string;
}

export interface StoppedRelayOptions {
  /** Rows started at or after this are left alone: their relay may not have written its first beat. */
  startedBefore?: Date;
  /** The calling relay: its own rows are live whatever its heartbeat says. */
  exceptRelayId?: string;
  /** At a relay's start: an earlier run of it (same ports and host key) is gone even if it beat lately. */
  earlierRunOf?: RelayIdentity;
}

/**
 * Ends the open tunnel_sessions rows whose relay is gone (crashed, killed, or stopped while the
 * database was away), so nothing shows or counts their tunnels as connected for ever. A relay is
 * gone when its heartbeat row is missing or stale. Relays run this on each other; the dashboard and
 * the CLI run it before they show or refuse anything on a tunnel being up, which covers the case
 * where no relay runs at all. Rows of a relay still beating stay open; a relay that was alive but
 * could not reach the database opens its rows again on its next beat (SessionRecorder.reopenLive).
 * Returns how many rows were ended.
 */
export async function endSessionsOfStoppedRelays(
  db: Pick<Db, "$executeRaw">,
  options: StoppedRelayOptions = {},
): Promise<number> {
  const now = new Date();
  const freshSince = new Date(now.getTime() - HEARTBEAT_STALE_MS);
  const startedBefore = options.startedBefore ?? freshSince;
  const me = options.earlierRunOf;
  const notEarlierRun = me
    ? Prisma.sql`AND NOT (h.ssh_port = ${me.sshPort} AND h.http_port = ${me.httpPort}
                          AND h.host_key_fingerprint = ${me.hostKeyFingerprint})`
    : Prisma.empty;
  const notMine = options.exceptRelayId
    ? Prisma.sql`AND s.relay_id IS DISTINCT FROM ${options.exceptRelayId}`
    : Prisma.empty;
  return db.$executeRaw`
    UPDATE tunnel_sessions s SET ended_at = ${now}, end_reason = ${RELAY_GONE}
    WHERE s.ended_at IS NULL AND s.started_at < ${startedBefore} ${notMine}
      AND NOT EXISTS (
        SELECT 1 FROM relay_heartbeats h
        WHERE h.id = s.relay_id AND h.seen_at >= ${freshSince} ${notEarlierRun})`;
}
