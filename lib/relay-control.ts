import type { Db } from "./db.ts";

/**
 * The dashboard tells the running relay what to do through Postgres LISTEN/NOTIFY on this channel:
 * no extra port, works wherever both can reach the database, and the relay acts within a second.
 */
export const RELAY_CONTROL_CHANNEL = "burrow_relay_control";

export type RelayCommand =
  /** Close every tunnel of this name (and its SSH forward); the client sees the reason. */
  | { type: "disconnect"; name: string; reason?: string }
  /** Access settings or share links of this name changed: drop cached access state now. */
  | { type: "access-changed"; name: string };

export async function sendRelayCommand(db: Db, command: RelayCommand): Promise<void> {
  await db.$executeRaw`SELECT pg_notify(${RELAY_CONTROL_CHANNEL}, ${JSON.stringify(command)})`;
}

export function parseRelayCommand(payload: string): RelayCommand | null {
  try {
    const value = JSON.parse(payload) as Partial<RelayCommand>;
    if ((value.type === "disconnect" || value.type === "access-changed") && typeof value.name === "string") {
      return value as RelayCommand;
    }
  } catch {
    // ignore malformed payloads: only our own code sends on this channel
  }
  return null;
}
