import { setTimeout as delay } from "node:timers/promises";

/** How long a command waits for the relay to close tunnels it was asked to (it acts within a second). */
export const CLOSE_WAIT_MS = 5_000;
const POLL_MS = 100;

/**
 * Polls `open` (how many of the tunnels are still open) until none is or CLOSE_WAIT_MS passed;
 * resolves to the count left. For `name disconnect` and `user disable`, which wait for the relay.
 */
export async function waitForTunnelsClosed(open: () => Promise<number>): Promise<number> {
  const deadline = Date.now() + CLOSE_WAIT_MS;
  let left = await open();
  while (left > 0 && Date.now() < deadline) {
    await delay(POLL_MS);
    left = await open();
  }
  return left;
}
