import ipaddr from "ipaddr.js";
import { parseIpv6 } from "../../lib/forwarding/ipv6.ts";

/**
 * Who counts as one visitor for a tunnel's share of app connections (tunnel-pools.ts): an IPv4
 * address as it is, an IPv6 address by its /64 ("2001:db8:1:2::/64"), an IPv4-mapped IPv6 address
 * (::ffff:192.0.2.1, in any spelling) as its IPv4 address. A home, office or phone on IPv6 is given
 * a /64 and picks addresses in it at will (temporary addresses rotate by themselves, RFC 8981):
 * keyed by the exact address, one visitor could take a fresh share with each (QA).
 *
 * Runs for every proxied request: an IPv4 visitor (most, and every benchmark) costs one search
 * for a colon. `ip` is what the edge took for the client (a socket's address, or a trusted proxy's
 * X-Forwarded-For entry, which Node's isIP accepted: upper-case hex, leading zeros, a zone, dotted
 * IPv4 at the end); anything else that is not IPv6 is its own key.
 */
export function visitorKey(ip: string): string {
  if (!ip.includes(":")) return ip;
  const address = parseIpv6(ip);
  if (address === null) return ip;
  if (address.isIPv4MappedAddress()) return address.toIPv4Address().toString();
  // The first four groups are the /64, spelled as RFC 5952 writes it (2001:db8::/64).
  const network = new ipaddr.IPv6([...address.parts.slice(0, 4), 0, 0, 0, 0]);
  return `${network.toRFC5952String()}/64`;
}
