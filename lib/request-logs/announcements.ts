import pg from "pg";
import { endClient } from "../db/end-client.ts";
import { finishesWithin } from "../time-limit.ts";

/**
 * New request log rows are announced on this PostgreSQL channel, one notification per name per
 * write: the relay's log writer announces, the dashboard listens and tells the browsers showing that
 * name's log to fetch what is new. Only names travel, never rows, so nothing here needs filtering.
 */
export const REQUEST_LOG_CHANNEL = "burrow_request_logs";

/**
 * A tunnel's status changed (it connected or dropped, its counters or notice were saved, it was
 * last seen) or a reservation did (made, released, its settings): announced by the database
 * itself, a trigger on its tables (the migration tunnel_status_announcements), so every writer
 * announces. The payload is "<user id> <name>": the name's tunnel page and its user's lists listen.
 * A user's SSH keys added or removed (ssh_key_announcements) are "<user id>" alone: their lists.
 */
export const TUNNEL_STATUS_CHANNEL = "burrow_tunnel_status";

/**
 * The user and name of a status announcement (name null: something of the user's that is not a
 * name, their keys); undefined for a payload of another shape.
 */
export function parseStatusPayload(payload: string): { userId: string; name: string | null } | undefined {
  const [userId, name, ...rest] = payload.split(" ");
  if (!userId || rest.length > 0) return undefined;
  if (name === undefined) return { userId, name: null };
  return name ? { userId, name } : undefined;
}

/**
 * One statement for every name in a batch ($1 text[]). count() so it returns a number: some
 * clients (Prisma's raw queries) cannot read pg_notify's void. PostgreSQL folds duplicates within
 * a transaction, and the caller passes each name once anyway.
 */
export const ANNOUNCE_SQL = `SELECT count(pg_notify('${REQUEST_LOG_CHANNEL}', n))::int AS announced FROM unnest($1::text[]) AS n`;

/**
 * How often the listening connection is asked to answer. Keepalive alone notices a connection that
 * carries nothing any more (a database failover, a NAT that forgot it) only after the kernel's two
 * hours: meanwhile every live log would stay open and silent, never told to fall back to polling.
 */
const PING_INTERVAL_MS = 10_000;

/** Told about one name's new rows (and its status, when the feed listens for it). */
export interface LogRowsListener {
  /** Rows for the name were written: fetch what is new. */
  rows(): void;
  /** The name's tunnel status changed: fetch it. Only from a feed created with `status: true`. */
  status?(): void;
  /** The feed's database connection dropped: no more calls; subscribe again later. */
  lost(): void;
}

/**
 * Told that something on a user's lists of names changed, or their keys did (a feed created with
 * `status: true`).
 */
export interface UserNamesListener {
  /** One of the user's names changed (its tunnel, counters, reservation), or a key: fetch the list. */
  changed(): void;
  /** As LogRowsListener's. */
  lost(): void;
}

/** The dashboard's side of the announcements: one LISTEN connection shared by every subscriber. */
export interface LogAnnouncements {
  /**
   * Calls `listener` whenever rows for `name` are written (and its status changes, see `status`).
   * Connects first if needed, so it rejects when the database cannot be reached. Returns the
   * unsubscribe.
   */
  subscribe(name: string, listener: LogRowsListener): Promise<() => void>;
  /** Calls `listener` whenever any of the user's names changes (TUNNEL_STATUS_CHANNEL); as subscribe. */
  subscribeUser(userId: string, listener: UserNamesListener): Promise<() => void>;
  /** Calls `listener` whenever any user's name changes (the admin's list of tunnels); as subscribe. */
  subscribeAll(listener: UserNamesListener): Promise<() => void>;
  /** Subscribers right now, all names and users together (for tests and diagnostics). */
  subscriberCount(): number;
  close(): Promise<void>;
}

/**
 * Creates the listener. It opens its connection on the first subscribe and keeps it (one per
 * dashboard process); if it drops, every subscriber is told `lost` (browsers fall back to polling
 * and reconnect) and the next subscribe connects again.
 */
export function createLogAnnouncements(
  databaseUrl: string,
  {
    applicationName = "burrow-dashboard-live",
    pingIntervalMs = PING_INTERVAL_MS,
    status = false,
  }: {
    /** How the connection shows in pg_stat_activity. */
    applicationName?: string;
    /** How often the connection must answer (it has half that, at most 5 s); see PING_INTERVAL_MS. */
    pingIntervalMs?: number;
    /**
     * Listen for status changes too (the dashboard). Off for followers of a log (the relay, the
     * CLI): every counter save of every busy tunnel is announced, and they would only drop it.
     */
    status?: boolean;
  } = {},
): LogAnnouncements {
  const listeners = new Map<string, Set<LogRowsListener>>();
  const userListeners = new Map<string, Set<UserNamesListener>>();
  /** subscribeAll's, under the one key "": any name of anyone. */
  const anyListeners = new Map<string, Set<UserNamesListener>>();
  let connection: Promise<pg.Client> | undefined;
  /** The connected client; a late event from an earlier one must not drop it. */
  let active: pg.Client | undefined;
  let pingTimer: NodeJS.Timeout | undefined;

  function dropConnection(client: pg.Client): void {
    if (client !== active) return;
    clearInterval(pingTimer);
    active = undefined;
    connection = undefined;
    client.removeAllListeners("notification");
    // An ended client may still emit "error" (a restart cutting the socket); never unhandled.
    client.on("error", () => {});
    client.end().catch(() => {});
    const orphaned = [...listeners.values(), ...userListeners.values(), ...anyListeners.values()].flatMap(
      (set) => [...set],
    );
    listeners.clear();
    userListeners.clear();
    anyListeners.clear();
    for (const listener of orphaned) listener.lost();
  }

  function connect(): Promise<pg.Client> {
    connection ??= (async () => {
      const client = new pg.Client({
        connectionString: databaseUrl,
        application_name: applicationName,
        connectionTimeoutMillis: 5_000,
        // Notice a dead server connection even when nothing is announced (as the relay's listener).
        keepAlive: true,
      });
      client.on("error", () => dropConnection(client));
      client.on("end", () => dropConnection(client));
      client.on("notification", (message) => {
        if (!message.payload) return;
        if (message.channel === REQUEST_LOG_CHANNEL) {
          for (const listener of listeners.get(message.payload) ?? []) listener.rows();
        }
        const changed = message.channel === TUNNEL_STATUS_CHANNEL && parseStatusPayload(message.payload);
        if (changed) {
          for (const listener of userListeners.get(changed.userId) ?? []) listener.changed();
          if (changed.name !== null) {
            for (const listener of listeners.get(changed.name) ?? []) listener.status?.();
            for (const listener of anyListeners.get("") ?? []) listener.changed();
          }
        }
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${REQUEST_LOG_CHANNEL}`);
        if (status) await client.query(`LISTEN ${TUNNEL_STATUS_CHANNEL}`);
        active = client;
        const timeoutMs = Math.min(5_000, pingIntervalMs / 2);
        pingTimer = setInterval(() => {
          void finishesWithin(client.query("SELECT 1"), timeoutMs).then(
            (answered) => {
              if (!answered) dropConnection(client);
            },
            () => dropConnection(client),
          );
        }, pingIntervalMs);
        pingTimer.unref();
      } catch (error) {
        connection = undefined;
        client.end().catch(() => {});
        throw error;
      }
      return client;
    })();
    return connection;
  }

  /** Connects if needed, then adds `listener` under `key`; returns its removal. */
  async function add<L>(map: Map<string, Set<L>>, key: string, listener: L): Promise<() => void> {
    const client = await connect();
    // Dropped while this caller waited: it would never hear anything, not even `lost`.
    if (client !== active) throw new Error("the database connection dropped; try again");
    let set = map.get(key);
    if (!set) {
      set = new Set();
      map.set(key, set);
    }
    set.add(listener);
    return () => {
      const current = map.get(key);
      current?.delete(listener);
      if (current?.size === 0) map.delete(key);
    };
  }

  return {
    subscribe: (name, listener) => add(listeners, name, listener),
    subscribeUser: (userId, listener) => add(userListeners, userId, listener),
    subscribeAll: (listener) => add(anyListeners, "", listener),
    subscriberCount() {
      let n = 0;
      for (const set of [...listeners.values(), ...userListeners.values(), ...anyListeners.values()]) {
        n += set.size;
      }
      return n;
    },
    async close() {
      clearInterval(pingTimer);
      const pending = connection;
      listeners.clear();
      userListeners.clear();
      anyListeners.clear();
      connection = undefined;
      active = undefined;
      const client = await pending?.catch(() => undefined);
      if (client) await endClient(client);
    },
  };
}
