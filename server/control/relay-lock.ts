import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { endClient } from "../../lib/db/end-client.ts";
import { AppError } from "../../lib/errors.ts";
import {
  CONTROL_APPLICATION_NAME,
  describeHolder,
  holderFromRow,
  RELAY_LOCK_HOLDER_SQL,
  RELAY_LOCK_KEY,
  type RelayLockHolder,
  type RelayLockHolderRow,
} from "../../lib/relay-lock-holder.ts";

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
  const result = await client.query<RelayLockHolderRow>(RELAY_LOCK_HOLDER_SQL, [RELAY_LOCK_KEY]);
  return result.rows[0] ? holderFromRow(result.rows[0]) : undefined;
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
 * How often a held lock's connection runs a statement until the relay's control channel takes it
 * over (and checks it every 10 s itself): a start that migrates for longer than LOCK_STALE_MS
 * must not look gone to a relay starting beside it, which would end its session and take over.
 */
const HELD_LOCK_PING_MS = 10_000;

/** The relay lock, held for a starting relay on the connection that becomes its control connection. */
export interface HeldRelayLock {
  /**
   * Stops this side's checks and gives the connection to the relay (createRelay's
   * `controlClient`), which checks and ends it from then on.
   */
  handOver(): pg.Client;
  /** Ends the session, letting go of the lock (a start that failed). Safe after handOver, and twice. */
  release(): Promise<void>;
}

/**
 * Takes the database for a starting relay (`burrow start`, `burrow relay`), before it migrates
 * anything: refuses, changing nothing, when another relay runs on it. The lock is taken on the
 * session that becomes the relay's control connection (see ControlListener's `initialClient`), and
 * held from here on: a lock taken to check and then let go would leave a window, while this relay
 * migrates and loads, in which a second one could take the database and migrate it too. The
 * caller releases it if the start fails (ending the session lets go of the lock). A holder found
 * gone is ended on the way, and `note`d.
 */
export async function holdRelayLock(
  databaseUrl: string,
  note: (line: string) => void = () => {},
): Promise<HeldRelayLock> {
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
  } catch (error) {
    await endClient(client);
    throw error;
  }
  // A failed statement means a lost connection: the relay's LISTEN on it fails too, and reconnects.
  const ping = setInterval(() => client.query("SELECT 1").catch(() => {}), HELD_LOCK_PING_MS);
  ping.unref();
  return {
    handOver() {
      clearInterval(ping);
      return client;
    },
    async release() {
      clearInterval(ping);
      await endClient(client);
    },
  };
}
