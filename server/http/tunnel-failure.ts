import type { RequestLogError } from "../../lib/request-logs/row.ts";
import { isUnresponsiveTunnel, type Tunnel, type TunnelRegistry } from "../registry.ts";
import { type EdgePage, PAGES } from "./pages.ts";

/**
 * Why the tunnel's app did not answer, for the log and the visitor's page: the tunnel went away
 * meanwhile (offline), its SSH client never answered (not responding), or nothing answered on
 * the local port. One answer for requests, upgrades and replays alike.
 */
export function tunnelFailure(
  registry: TunnelRegistry,
  tunnel: Tunnel,
  cause: unknown,
): { error: RequestLogError; page: EdgePage } {
  if (registry.get(tunnel.name) !== tunnel) return { error: "tunnel_offline", page: PAGES.tunnelOffline };
  if (isUnresponsiveTunnel(cause)) return { error: "tunnel_unresponsive", page: PAGES.tunnelUnresponsive };
  return { error: "local_unreachable", page: PAGES.localUnreachable };
}
