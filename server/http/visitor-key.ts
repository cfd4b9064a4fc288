import { ipv6Groups } from "../../lib/forwarding/ipv6.ts";

/**
 * Who counts as one visitor for a tunnel's share of app connections (tunnel-pools.ts): an IPv4
 * address as it is, an IPv6 address by its /64 ("2001:db8:1:2::/64"), an IPv4-mapped IPv6 address
 * (::ffff:192.0.2.1, in any spelling) as its IPv4 address. A home, office or phone on IPv6 is given
 * a /64 and picks addresses in it at will (temporary addresses rotate by themselves, RFC 8981):
 * keyed by the exact address, one visitor could take a fresh share with each (QA).
 *
 * Runs for every proxied request: an IPv4 visitor (most, and every benchmark) costs one search
 * for a colon; an IPv6 one a pass over its characters, no URL parsing or BigInt. `ip` is what the
 * edge took for the client (a socket's address, or a trusted proxy's X-Forwarded-For entry, which
 * Node's isIP accepted: upper-case hex, leading zeros, a zone, dotted IPv4 at the end); anything
 * else that is not IPv6 is its own key.
 */
export function visitorKey(ip: string): string {
  if (!ip.includes(":")) return ip;
  const groups = ipv6Groups(ip);
  if (groups === null) return ip;
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) {
    return `${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`;
  }
  // RFC 5952's spelling: groups 5 to 8 are zeros, the longest run, so they are the "::", with the
  // network's own trailing zero groups.
  let end = 4;
  while (end > 0 && groups[end - 1] === 0) end -= 1;
  let network = "";
  for (let i = 0; i < end; i++) network += `${groups[i]!.toString(16)}:`;
  return end === 0 ? "::/64" : `${network}:/64`;
}
