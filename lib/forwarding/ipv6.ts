// IPv6 text as Node reads it, parsed by ipaddr.js: the relay's per-request visitor key
// (server/http/visitor-key.ts) and the trusted-proxy ranges (trusted-proxies.ts) both need an
// address's groups, which Node 20 does not give (net.isIPv6 only says yes or no, net.BlockList
// only answers membership). Node decides what is an address, because it is what the relay reads
// sockets and X-Forwarded-For with; ipaddr.js alone accepts more, and reads some of it otherwise.
import { isIPv6 } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * An IPv6 address in any spelling Node's isIPv6 accepts (upper-case hex, leading zeros, "::",
 * dotted IPv4 at the end, a zone such as "%eth0"), without its zone; null when Node says it is
 * not IPv6.
 */
export function parseIpv6(text: string): ipaddr.IPv6 | null {
  if (!isIPv6(text)) return null;
  // ipaddr.js refuses zones Node accepts ("%eth0.100", "%en-0"), and the zone names a link of
  // this host: no caller keys or matches by it.
  const zone = text.indexOf("%");
  const address = zone === -1 ? text : text.slice(0, zone);
  // ipaddr.js reads "::a.b.c.d" (RFC 4291's deprecated IPv4-compatible form, ::a00:1) as
  // IPv4-mapped (::ffff:a00:1), another address; the same groups spelled with a zero group first
  // are read as written.
  const compatible = address.startsWith("::") && address.includes(".") && address.lastIndexOf(":") === 1;
  return ipaddr.IPv6.parse(compatible ? `::0:${address.slice(2)}` : address);
}
