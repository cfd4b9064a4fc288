// Pure and free of Node modules, like ip-address.ts: the relay's per-request visitor key
// (server/http/visitor-key.ts) and the trusted-proxy ranges (trusted-proxies.ts) both read IPv6
// text here. Node 20 has no API that gives an address's bits: net.isIPv6 only says yes or no,
// net.BlockList only answers membership, and net.SocketAddress.parse (Node 22.13+) returns text
// again; the URL parser canonicalises, but costs a URL per request.

/**
 * The eight 16-bit groups of an IPv6 address's text, in any spelling Node's isIP accepts ("::",
 * upper-case hex, leading zeros, dotted IPv4 at the end, a zone such as "%eth0", which is
 * ignored); null when it is not IPv6. Callers pass text isIP accepted, so the check is not as
 * strict: it reads "::ffff:01.2.3.4" too, which isIP refuses. One pass over its characters:
 * splits, a regular expression per group and the arrays between them took about three times as
 * long (it runs per request).
 */
export function ipv6Groups(ip: string): number[] | null {
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
