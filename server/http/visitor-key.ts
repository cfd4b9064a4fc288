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

/**
 * The eight 16-bit groups of an IPv6 address's text; null when it is not one. One pass over its
 * characters: splits, a regular expression per group and the arrays between them took about three
 * times as long (it runs per request).
 */
function ipv6Groups(ip: string): number[] | null {
  const zone = ip.indexOf("%");
  const end = zone === -1 ? ip.length : zone;
  const groups: number[] = [];
  /** Where "::" stands among the groups, once seen. */
  let gap = -1;
  let at = 0;
  if (ip.startsWith("::")) {
    gap = 0;
    at = 2;
  }
  while (at < end) {
    let value = 0;
    let next = at;
    for (let digit = hexDigit(ip.charCodeAt(next)); digit !== -1; digit = hexDigit(ip.charCodeAt(next))) {
      value = value * 16 + digit;
      next += 1;
    }
    if (next < end && ip.charCodeAt(next) === DOT) {
      // Dotted IPv4 ends the address and stands for its last two groups.
      const dotted = dottedGroups(ip, at, end);
      if (dotted === null) return null;
      groups.push(...dotted);
      break;
    }
    if (next === at || next - at > 4) return null;
    groups.push(value);
    if (next === end) break;
    if (ip.charCodeAt(next) !== COLON) return null;
    if (ip.charCodeAt(next + 1) === COLON) {
      if (gap !== -1) return null;
      gap = groups.length;
      at = next + 2;
    } else {
      at = next + 1;
      if (at === end) return null;
    }
  }
  if (gap === -1) return groups.length === 8 ? groups : null;
  if (groups.length > 7) return null;
  groups.splice(gap, 0, ...Array<number>(8 - groups.length).fill(0));
  return groups;
}

const COLON = 0x3a;
const DOT = 0x2e;

/** A hex digit's value; -1 for any other character (and past the end: NaN). */
function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return -1;
}

/** "192.0.2.1" from `from` to `end` of `ip` as two 16-bit groups; null when it is not IPv4. */
function dottedGroups(ip: string, from: number, end: number): [number, number] | null {
  const parts = [0, 0, 0, 0];
  let part = 0;
  let digits = 0;
  for (let i = from; i < end; i++) {
    const code = ip.charCodeAt(i);
    if (code === DOT) {
      if (digits === 0 || part === 3) return null;
      part += 1;
      digits = 0;
    } else if (code >= 0x30 && code <= 0x39 && digits < 3) {
      parts[part] = parts[part]! * 10 + code - 0x30;
      digits += 1;
    } else {
      return null;
    }
  }
  const [a = 0, b = 0, c = 0, d = 0] = parts;
  if (part !== 3 || digits === 0 || a > 255 || b > 255 || c > 255 || d > 255) return null;
  return [(a << 8) | b, (c << 8) | d];
}
