// Pure, and free of Node imports: the dashboard's request log marks rows with it in the browser.
import type { RequestLogError } from "./row.ts";

/**
 * Errors that say how a request ended but are no error of the tunnel: not counted, charted or
 * listed as errors (request_is_error in prisma/migrations holds the same list), only shown in the
 * row's details. A visitor going away is how every event stream ends; a connection closed because
 * its visitor's access ended is what the owner asked for; a replay's answer cut after 30 s is
 * Burrow stopping its own replay.
 */
export const NOT_TUNNEL_ERRORS: readonly RequestLogError[] = [
  "client_aborted",
  "access_revoked",
  "replay_stopped",
];

/**
 * Whether a row counts as an error of the tunnel, as the chart, the overview and the log's 5xx
 * filter count it (request_is_error in prisma/migrations): a 5xx, or an error of the relay's that
 * is not in NOT_TUNNEL_ERRORS (an answer cut short, the relay shutting down), whatever the status
 * its head had already carried (an event stream cut by a restart was logged 200).
 */
export function isTunnelError(row: { status: number; error: string | null }): boolean {
  if (row.status >= 500) return true;
  return row.error !== null && !(NOT_TUNNEL_ERRORS as readonly string[]).includes(row.error);
}
