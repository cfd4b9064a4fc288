/**
 * Who holds the one-relay-per-database lock: shared by the relay that takes it
 * (server/control/relay-lock.ts), `burrow status` and the admin page, which say which relay runs on
 * the database. Reading it changes nothing and needs no Burrow table (pg_locks, pg_stat_activity).
 */
import type { Db } from "./db.ts";

/** pg_advisory_lock's key: arbitrary, fixed ("burrow relay"); migrate.ts and users/service.ts use ...69, ...70. */
export const RELAY_LOCK_KEY = 72707371;

/** The start of the control connection's application_name (tests look for it). */
export const CONTROL_APPLICATION_NAME = "burrow-relay-control";

/** The session holding the lock, as PostgreSQL shows it. */
export interface RelayLockHolder {
  /** Its PostgreSQL backend (for pg_terminate_backend). */
  backendPid: number;
  applicationName: string;
  /** The relay's process id and machine, from its application_name (see controlApplicationName). */
  pid?: number;
  host?: string;
  /** The address its connection comes from; undefined over a Unix socket or when not shown to us. */
  clientAddr?: string;
  /** When it connected: it has held the database since (the relay's start). */
  since?: Date;
  /** How long its connection has run no statement, when PostgreSQL shows it to us. */
  silentMs?: number;
}

/** The lock holder's session, if any; $1 is RELAY_LOCK_KEY. */
export const RELAY_LOCK_HOLDER_SQL = `
  SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.backend_start,
         CASE WHEN a.state = 'idle'
              THEN floor(extract(epoch FROM clock_timestamp() - a.state_change) * 1000)::float8
         END AS silent_ms
  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1 AND l.objsubid = 1
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/** A row of RELAY_LOCK_HOLDER_SQL (silent_ms is a float8: a number from pg and from Prisma alike). */
export interface RelayLockHolderRow {
  pid: number;
  application_name: string | null;
  client_addr: string | null;
  backend_start: Date | null;
  silent_ms: number | null;
}

/** The holder a RELAY_LOCK_HOLDER_SQL row describes. */
export function holderFromRow(row: RelayLockHolderRow): RelayLockHolder {
  const applicationName = row.application_name ?? "";
  const named = new RegExp(`^${CONTROL_APPLICATION_NAME} (\\d+)@(.*)$`).exec(applicationName);
  return {
    backendPid: row.pid,
    applicationName,
    pid: named ? Number(named[1]) : undefined,
    host: named?.[2] || undefined,
    clientAddr: row.client_addr ?? undefined,
    since: row.backend_start ?? undefined,
    silentMs: row.silent_ms === null ? undefined : Number(row.silent_ms),
  };
}

/** The relay holding `db`'s database, if one does (for `burrow status` and the admin page). */
export async function findRelayLockHolder(db: Db): Promise<RelayLockHolder | undefined> {
  const rows = await db.$queryRawUnsafe<RelayLockHolderRow[]>(RELAY_LOCK_HOLDER_SQL, RELAY_LOCK_KEY);
  return rows[0] ? holderFromRow(rows[0]) : undefined;
}

/** "pid 4242 on web-1, connected from 10.0.0.5, since 2026-12-07T15:04:05Z", as far as known. */
export function describeHolder(holder: RelayLockHolder | undefined): string {
  if (!holder) return "not known";
  const parts = [
    holder.pid === undefined
      ? `PostgreSQL backend ${holder.backendPid}, ${holder.applicationName || "no application name"}`
      : `pid ${holder.pid}${holder.host ? ` on ${holder.host}` : ""}`,
  ];
  if (holder.clientAddr) parts.push(`connected from ${holder.clientAddr}`);
  if (holder.since) parts.push(`since ${holder.since.toISOString().replace(/\.\d+Z$/, "Z")}`);
  // Worth saying only when it is more than a check's interval: a relay that may be going.
  if (holder.silentMs !== undefined && holder.silentMs >= 15_000) {
    parts.push(`silent for ${Math.round(holder.silentMs / 1000)} s`);
  }
  return parts.join(", ");
}
