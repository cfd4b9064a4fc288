// Pure: the mark a request log row carries beside its status when it did not end as an answer of
// the app's (RequestLog.error), so a row the chart counts as an error never reads as a plain 200.
import type { RequestLogError } from "../request-logs/row.ts";
import { isTunnelError } from "../request-logs/tunnel-errors.ts";

/** A few words for each error, for the log's Status column; the details say it in full. */
const LABELS: Record<RequestLogError, string> = {
  tunnel_offline: "Tunnel offline",
  local_unreachable: "App unreachable",
  local_closed: "App hung up",
  local_not_http: "Not HTTP",
  local_socks: "SOCKS tunnel",
  local_headers_too_large: "Headers too large",
  local_bad_response: "Bad response",
  local_tls: "App uses HTTPS",
  tunnel_loop: "Tunnel loop",
  tunnel_unresponsive: "Not responding",
  client_aborted: "Visitor left",
  upstream_aborted: "Cut short",
  relay_draining: "Relay restarting",
  relay_shutdown: "Relay shut down",
  tunnel_busy: "Tunnel busy",
  replay_stopped: "Replay stopped",
  access_revoked: "Access ended",
  access_unavailable: "Access unknown",
  stream_dropped: "Held, dropped",
};

export interface ErrorMark {
  /** What happened, in a few words ("Cut short"). */
  label: string;
  /**
   * Counted as an error of the tunnel (isTunnelError), as the chart and the overview count it:
   * shown as one, whatever status the answer's head had carried. Otherwise (a visitor who left, a
   * replay Burrow stopped) the label only says how it ended.
   */
  error: boolean;
}

/** The row's mark, or null for a row that ended as the app answered it. */
export function errorMark(row: { status: number; error: string | null }): ErrorMark | null {
  if (row.error === null) return null;
  // A code a newer relay wrote: said as it is rather than hidden.
  const label = Object.hasOwn(LABELS, row.error) ? LABELS[row.error as RequestLogError] : row.error;
  return { label, error: isTunnelError(row) };
}
