/**
 * The relay's heartbeat, shared by the relay that writes it (server/heartbeat.ts) and the admin page
 * that reads it (lib/relay-health.ts).
 */

/** How often a relay writes its `relay_heartbeats` row. */
export const HEARTBEAT_INTERVAL_MS = 10_000;

/** A relay that has not written its heartbeat for this long is down: three beats missed. */
export const HEARTBEAT_STALE_MS = 3 * HEARTBEAT_INTERVAL_MS;
