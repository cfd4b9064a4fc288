// Pure: the dashboard visitor's address from the headers `next start` hands a request.
import { clientFromChain, type ProxyTrust, TRUST_NOBODY } from "../forwarding/trusted-proxies.ts";

/**
 * The browser's address: the last X-Forwarded-For entry, the address the nearest proxy saw, or,
 * when that is itself one of BURROW_TRUSTED_PROXIES (a chain such as a CDN in front of Caddy), the
 * first untrusted entry walking left. A reverse proxy in front of the dashboard either replaces the
 * header (Caddy, nginx with $remote_addr) or appends the address it saw to what the browser sent
 * (nginx's $proxy_add_x_forwarded_for): either way the entries left of the first untrusted one are
 * whatever the browser claimed. Without a proxy, Next sets the header from the socket only when the
 * browser sent none (PORT should not be reachable from outside; the README says so). Keys the
 * sign-in brake (which also has a per-email ceiling) and is shown next to a signed-in browser on the
 * account page.
 */
export function addressFromForwarded(h: Pick<Headers, "get">, trusts: ProxyTrust = TRUST_NOBODY): string {
  return clientFromChain(h.get("x-forwarded-for"), trusts) ?? (h.get("x-real-ip")?.trim() || "unknown");
}
