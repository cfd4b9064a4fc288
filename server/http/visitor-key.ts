/**
 * Who counts as one visitor for a tunnel's share of app connections (tunnel-pools.ts): an IPv4
 * address as it is, an IPv6 address by its /64 ("2001:db8:1:2::/64"), an IPv4-mapped IPv6 address
 * (::ffff:192.0.2.1, in any spelling) as its IPv4 address. A home, office or phone on IPv6 is given
 * a /64 and picks addresses in it at will (temporary addresses rotate by themselves, RFC 8981):
 * keyed by the exact address, one visitor could take a fresh share with each (QA).
 *
 * Runs for every proxied request: an IPv4 visitor (most, and every benchmark) costs one search
 * for a colon; an IPv6 one a few short splits, no URL parsing or BigInt. `ip` is what the edge took
 * for the client (a socket's address, or a trusted proxy's X-Forwarded-For entry, which Node's
 * isIP accepted: upper-case hex, leading zeros, a zone, dotted IPv4 at the end); anything else
 * that is not IPv6 is its own key.
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
  const network = groups.slice(0, end).map((group) => group.toString(16));
  return `${network.join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address's text; null when it is not one. */
function ipv6Groups(ip: string): number[] | null {
  const zone = ip.indexOf("%");
  let text = (zone === -1 ? ip : ip.slice(0, zone)).toLowerCase();
  let dotted: number[] = [];
  if (text.includes(".")) {
    // Dotted IPv4 ends the address and stands for its last two groups.
    const at = text.lastIndexOf(":");
    const parts = text
      .slice(at + 1)
      .split(".")
      .map(Number);
    if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) {
      return null;
    }
    dotted = [(parts[0]! << 8) | parts[1]!, (parts[2]! << 8) | parts[3]!];
    text = text.slice(0, at + 1);
    // "::ffff:" or "1:2:3:4:5:6:": the colon before the IPv4 part is no group's end.
    if (!text.endsWith("::")) text = text.slice(0, -1);
  }
  const double = text.indexOf("::");
  const left = groupList(double === -1 ? text : text.slice(0, double));
  const right = double === -1 ? [] : groupList(text.slice(double + 2));
  if (left === null || right === null) return null;
  const given = left.length + right.length + dotted.length;
  if (double === -1 ? given !== 8 : given > 7) return null;
  return [...left, ...Array<number>(8 - given).fill(0), ...right, ...dotted];
}

function groupList(text: string): number[] | null {
  if (text === "") return [];
  const groups: number[] = [];
  for (const group of text.split(":")) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) return null;
    groups.push(Number.parseInt(group, 16));
  }
  return groups;
}
