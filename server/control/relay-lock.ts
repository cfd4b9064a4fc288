import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { endClient } from "../../lib/db/end-client.ts";
import { AppError } from "../../lib/errors.ts";

/**
 * One relay per database. The dashboard's commands reach every relay listening on the database,
 * and each relay keeps its own tunnels in memory: two relays would both carry out every command
 * (a replay answered by one, refused by the other as "no ssh client was connected") and could each
 * give one reserved name to a different client. So a relay holds this session-level advisory lock
 * on its control connection for as long as it runs, and listens for commands only while it does.
 * PostgreSQL releases it by itself when the holder's session ends: a relay that crashed or was
 * killed leaves no lock behind (its kernel closes the connection), and one whose machine went
 * down is taken for gone once its connection has been silent for LOCK_STALE_MS.
 */

/** pg_advisory_lock's key: arbitrary, fixed ("burrow relay"); migrate.ts and users/service.ts use ...69, ...70. */
export const RELAY_LOCK_KEY = 72707371;

/** The start of the control connection's application_name (tests look for it). */
export const CONTROL_APPLICATION_NAME = "burrow-relay-control";

/**
 * A holder whose connection has run no statement for this long is gone: its relay checks the
 * connection every 10 s (control-listener.ts), so three checks were missed. Its machine went down
 * or off the network without closing the connection, which PostgreSQL would otherwise keep (and
 * the lock with it) until TCP keepalive gives up, two hours and more by default.
 */
export const LOCK_STALE_MS = 30_000;

/**
 * How long a starting relay waits for a holder that is going away: one killed a moment ago
 * (PostgreSQL ends its session once it sees the connection closed), or stopping.
 */
export const LOCK_START_WAIT_MS = 2_000;

const LOCK_POLL_MS = 100;
/** How long a holder that was told to end (pg_terminate_backend) gets to let go of the lock. */
const TERMINATED_WAIT_MS = 5_000;
/** PostgreSQL keeps this many bytes of an application_name, printable ASCII only. */
const APPLICATION_NAME_MAX = 63;

/**
 * The control connection's application_name: it names this process and its machine, so a relay
 * refused beside it can say which relay to stop (no other session can read anything else of it).
 */
export function controlApplicationName(pid = process.pid, host = hostname()): string {
  return `${CONTROL_APPLICATION_NAME} ${pid}@${host}`
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, APPLICATION_NAME_MAX);
}

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
  /** When it connected: it has held the database since. */
  since?: Date;
  /** How long its connection has run no statement, when PostgreSQL shows it to us. */
  silentMs?: number;
}

export type LockAttempt =
  | { taken: true; tookOverFrom?: RelayLockHolder }
  | { taken: false; holder: RelayLockHolder | undefined };

export interface TakeLockOptions {
  /** A session of this relay's own that still holds the lock (a connection that stalled): ended at once. */
  isOwnSession?: (holder: RelayLockHolder) => boolean;
  /** Default LOCK_STALE_MS. */
  staleAfterMs?: number;
  /** How long to keep trying while a holder is going away (default 0: one look). */
  waitMs?: number;
}

/**
 * Takes the relay lock on `client`'s session if nobody else holds it, or if its holder is gone:
 * one of this relay's own stalled sessions, or one silent for `staleAfterMs`, is ended
 * (pg_terminate_backend) and the lock taken after it. Otherwise says who holds it.
 */
export async function takeRelayLock(client: pg.Client, options: TakeLockOptions = {}): Promise<LockAttempt> {
  const staleAfterMs = options.staleAfterMs ?? LOCK_STALE_MS;
  let deadline = Date.now() + (options.waitMs ?? 0);
  let tookOverFrom: RelayLockHolder | undefined;
  for (let tries = 0; ; tries++) {
    const locked = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [
      RELAY_LOCK_KEY,
    ]);
    if (locked.rows[0]?.ok) return { taken: true, tookOverFrom };
    const holder = await relayLockHolder(client);
    const gone =
      holder !== undefined &&
      (options.isOwnSession?.(holder) === true ||
        (holder.silentMs !== undefined && holder.silentMs > staleAfterMs));
    if (gone && tookOverFrom?.backendPid !== holder.backendPid) {
      const ended = await client
        .query<{ ok: boolean }>("SELECT pg_terminate_backend($1) AS ok", [holder.backendPid])
        .then((result) => result.rows[0]?.ok === true)
        // Not ours to end (another role's, without pg_signal_backend): said as a holder.
        .catch(() => false);
      if (ended) {
        tookOverFrom = holder;
        deadline = Math.max(deadline, Date.now() + TERMINATED_WAIT_MS);
      }
    }
    // Looked twice at least: a holder that let go between the two statements is no holder.
    if (tries >= 1 && Date.now() >= deadline) return { taken: false, holder };
    await sleep(LOCK_POLL_MS);
  }
}

/** The session holding the relay lock on this database, if one does. */
export async function relayLockHolder(client: pg.Client): Promise<RelayLockHolder | undefined> {
  const result = await client.query<{
    pid: number;
    application_name: string | null;
    client_addr: string | null;
    backend_start: Date | null;
    silent_ms: string | null;
  }>(
    `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.backend_start,
            CASE WHEN a.state = 'idle'
                 THEN floor(extract(epoch FROM clock_timestamp() - a.state_change) * 1000)::bigint
            END AS silent_ms
     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1 AND l.objsubid = 1
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [RELAY_LOCK_KEY],
  );
  const row = result.rows[0];
  if (!row) return undefined;
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

/** "burrow on db.example:5432": which database, without the user or password. */
export function databaseLabel(url: string): string {
  try {
    const parsed = new URL(url);
    const name = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "(default database)";
    return `${name} on ${parsed.hostname || "localhost"}:${parsed.port || "5432"}`;
  } catch {
    return "(an invalid URL)";
  }
}

/** A relay refused because another one runs on its database: what the operator reads, and does. */
export class RelayLockConflict extends AppError {
  readonly holder: RelayLockHolder | undefined;

  constructor(holder: RelayLockHolder | undefined, databaseUrl: string) {
    super(
      "conflict",
      `Another Burrow relay${holder ? ` (${describeHolder(holder)})` : ""} is running on the database ` +
        `${databaseLabel(databaseUrl)}: two relays on one database would both carry out the ` +
        "dashboard's commands and could give one name to two clients. Stop that relay first, or " +
        "give this one a database of its own (its own DATABASE_URL). Nothing was changed. " +
        `(A relay whose machine went down counts as gone once silent for ${LOCK_STALE_MS / 1000} s.)`,
    );
    this.holder = holder;
  }
}

/**
 * Takes the database for a starting relay (`burrow start`, `burrow relay`), before it migrates
 * anything: refuses, changing nothing, when another relay runs on it. The lock is taken on the
 * session that becomes the relay's control connection (see ControlListener's `initialClient`), and
 * held from here on: a lock taken to check and then let go would leave a window, while this relay
 * migrates and loads, in which a second one could take the database and migrate it too. The
 * caller owns the returned client until the relay takes it over, and ends it if the start fails
 * (ending the session lets go of the lock). A holder found gone is ended on the way, and `note`d.
 */
export async function holdRelayLock(
  databaseUrl: string,
  note: (line: string) => void = () => {},
): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: controlApplicationName(),
    connectionTimeoutMillis: 5_000,
    // As the control connection it becomes (control-listener.ts): a dead server connection is found.
    keepAlive: true,
  });
  // A connection lost before the relay listens on it rejects the statement under way (or the
  // relay's LISTEN, which then reconnects); without a listener it would also throw from 'error'.
  client.on("error", () => {});
  try {
    await client.connect();
    const attempt = await takeRelayLock(client, { waitMs: LOCK_START_WAIT_MS });
    if (!attempt.taken) throw new RelayLockConflict(attempt.holder, databaseUrl);
    if (attempt.tookOverFrom) {
      note(
        `Ended the database session of a relay that stopped answering (${describeHolder(attempt.tookOverFrom)})`,
      );
    }
    return client;
  } catch (error) {
    await endClient(client);
    throw error;
  }
}
