import type { Db } from "./db.ts";

/**
 * The dashboard tells the running relay what to do through Postgres LISTEN/NOTIFY on this channel:
 * no extra port, works wherever both can reach the database, and the relay acts within a second.
 */
export const RELAY_CONTROL_CHANNEL = "burrow_relay_control";

export type RelayCommand =
  /**
   * Close every tunnel of this name (and its SSH forward); the client sees why. `cause` says who
   * closed it: an administrator (the default; `reason` is theirs), or the owner removing the SSH
   * key the tunnel was opened with.
   */
  | { type: "disconnect"; name: string; reason?: string; cause?: "admin" | "key_removed" }
  /** Access settings, share links or other settings the relay caches for this name (Host header,
   * bodies kept) changed: drop its cached state now. `keepBodies: false` when the change turned Keep
   * bodies off: connections still open stop keeping too. */
  | { type: "access-changed"; name: string; keepBodies?: boolean }
  /** Send request `id` of this name's log to its app again (lib/request-logs/replay.ts). */
  | { type: "replay"; name: string; id: string }
  /** Send the edited request `pendingId` of pending_replays (lib/request-logs/replay.ts). */
  | { type: "replay-edited"; name: string; pendingId: string }
  /**
   * Someone is watching the open WebSocket or event stream whose row has this key: write its time,
   * bytes and kept messages so far (ExchangeRecorder.checkpoint).
   */
  | { type: "checkpoint"; name: string; streamKey: string }
  /**
   * The owner deleted this SSH key: close every connection signed in with it, its tunnels (each
   * saying why) and connections without one (a `logs --follow`, a forward about to be asked for),
   * which a lost laptop could otherwise go on using.
   */
  | { type: "key-removed"; keyId: string }
  /**
   * The owner deleted this name's kept bodies (or its whole log): what requests under way and
   * connections still open kept so far, and the rows the relay has not written yet, lose theirs too.
   */
  | { type: "bodies-deleted"; name: string };

export async function sendRelayCommand(db: Db, command: RelayCommand): Promise<void> {
  await relayCommandQuery(db, command);
}

/**
 * The NOTIFY as a query to run in `db.$transaction([change, relayCommandQuery(...)])`: Postgres
 * delivers it exactly when the change commits, so a change the relay must hear about (access
 * settings it caches) can never commit silently, e.g. if the dashboard dies between two statements.
 */
export function relayCommandQuery(db: Db, command: RelayCommand) {
  return db.$executeRaw`SELECT pg_notify(${RELAY_CONTROL_CHANNEL}, ${JSON.stringify(command)})`;
}

export function parseRelayCommand(payload: string): RelayCommand | null {
  try {
    const value = JSON.parse(payload) as Partial<Record<string, unknown>>;
    if (value.type === "key-removed" && typeof value.keyId === "string") return value as RelayCommand;
    if (typeof value.name !== "string") return null;
    if (value.type === "disconnect" || value.type === "access-changed" || value.type === "bodies-deleted")
      return value as RelayCommand;
    if (value.type === "replay" && typeof value.id === "string") return value as RelayCommand;
    if (value.type === "replay-edited" && typeof value.pendingId === "string") return value as RelayCommand;
    if (value.type === "checkpoint" && typeof value.streamKey === "string") return value as RelayCommand;
  } catch {
    // ignore malformed payloads: only our own code sends on this channel
  }
  return null;
}
