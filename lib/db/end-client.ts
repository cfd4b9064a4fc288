import type pg from "pg";
import { finishesWithin } from "../time-limit.ts";

/** How long a stopping process waits for the database to take a connection's goodbye. */
const GOODBYE_MS = 1_000;

/**
 * Ends a long-lived pg client (a LISTEN connection). pg's end() waits for the server to close the
 * socket, which a stalled link (a failover, a paused VM) never does: past GOODBYE_MS the socket is
 * dropped instead, so a relay or dashboard stopping during an outage is not held up by it.
 */
export async function endClient(client: pg.Client): Promise<void> {
  const ended = client.end().catch(() => {});
  if (!(await finishesWithin(ended, GOODBYE_MS))) client.connection.stream.destroy();
}
