// Pure: which peers may tell Burrow who the visitor is (BURROW_TRUSTED_PROXIES), shared by the
// relay's edge and the dashboard.
import { BlockList, isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { plainAddress } from "./ip-address.ts";
import { parseIpv6 } from "./ipv6.ts";

/** Named groups an operator can write instead of address ranges. */
export const PROXY_GROUPS: Readonly<Record<string, readonly string[]>> = {
  loopback: ["127.0.0.0/8", "::1/128"],
  // RFC 1918, carrier-grade NAT, link-local, IPv6 unique-local and link-local, and loopback: where
  // a proxy on the same host, in a container network or on a private LAN connects from.
  private: [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "169.254.0.0/16",
    "fc00::/7",
    "fe80::/10",
    "127.0.0.0/8",
    "::1/128",
  ],
};

/** A checked entry: an address or range (`203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`) or a group name. */
export type TrustedProxyEntry = string;

/**
 * Splits and checks a comma-separated BURROW_TRUSTED_PROXIES value. Returns the entries, or the
 * ones that are neither an address, a range nor a group name (the caller says so and stops).
 */
export function parseTrustedProxies(value: string): { entries: TrustedProxyEntry[]; invalid: string[] } {
  const entries = value
    .split(",")
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  return { entries, invalid: entries.filter((entry) => !(entry in PROXY_GROUPS) && !parseRange(entry)) };
}

/** True when the given address is one of the trusted proxies. */
export type ProxyTrust = (address: string) => boolean;

/** Trusts nobody: the relay is the edge and every header a visitor sends about itself is a claim. */
export const TRUST_NOBODY: ProxyTrust = () => false;

/** Builds the check for parsed entries (invalid ones are ignored: parseTrustedProxies reports them). */
export function proxyTrust(entries: readonly TrustedProxyEntry[]): ProxyTrust {
  return entries.length === 0 ? TRUST_NOBODY : addressCheck(entries);
}

/**
 * True when an address is in one of the entries (addresses, ranges, group names): the proxies
 * trusted here, and the visitors a name lets in (its allowed addresses). An IPv4 peer of a
 * dual-stack socket matches its IPv4 ranges. Invalid entries match nothing.
 */
export function addressCheck(entries: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of entries.flatMap((e) => PROXY_GROUPS[e] ?? [e])) {
    const range = parseRange(entry);
    if (range) list.addSubnet(range.address, range.prefix, range.family);
  }
  return (address) => {
    const plain = plainAddress(address);
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 4 ? "ipv4" : "ipv6");
  };
}

/**
 * One X-Forwarded-For entry as a plain address. Most proxies write bare addresses, but some
 * (Azure Application Gateway, IIS ARR) append the client's port: "203.0.113.5:51234",
 * "[2001:db8::1]:51234"; brackets alone ("[2001:db8::1]") are also seen. A bare IPv6 address has
 * colons of its own and is left as it is.
 */
export function hopAddress(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(entry);
  if (bracketed) return bracketed[1]!;
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(entry);
  return plainAddress(withPort ? withPort[1]! : entry);
}

/**
 * The client behind a chain of proxies: walks X-Forwarded-For from the right (each proxy appends
 * the address it saw) past the trusted proxies, and returns the first address that is not one, or
 * the left-most address reached. Entries left of an untrusted one are whatever a client wrote and
 * are never believed; an entry that is not an address (with or without a port, see hopAddress)
 * ends the walk (the address right of it is the last one a trusted proxy vouched for).
 * `undefined` when the header holds no address.
 */
export function clientFromChain(
  forwardedFor: string | null | undefined,
  trusts: ProxyTrust,
): string | undefined {
  if (!forwardedFor) return undefined;
  const hops = forwardedFor.split(",");
  let reached: string | undefined;
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = hopAddress(hops[i]!.trim());
    if (isIP(hop) === 0) break;
    reached = hop;
    if (!trusts(hop)) break;
  }
  return reached;
}

/** The last value of a comma-separated header a proxy may have appended to ("https, http" → "http"). */
export function lastListValue(value: string | null | undefined): string | undefined {
  const last = value?.slice(value.lastIndexOf(",") + 1).trim();
  return last || undefined;
}

/**
 * The network a range with host bits set stands for (`10.0.0.1/8` → `10.0.0.0/8`), or undefined
 * when the entry has none, or is an address, a group or not a range at all. Matching ignores host
 * bits, so such an entry lets in its whole network whatever address it was written with.
 */
export function rangeNetwork(entry: string): string | undefined {
  const range = entry.includes("/") ? parseRange(entry) : undefined;
  // A zone names a link of one host: the network written without it would not be what was meant.
  if (!range || range.address.includes("%")) return undefined;
  // parseRange let through only what Node's isIP accepts, so ipaddr.js's laxer IPv4 reading (octal,
  // hex, fewer parts) never applies; its normalized spelling has no dotted tail to misread.
  const address = range.family === "ipv4" ? ipaddr.IPv4.parse(range.address) : parseIpv6(range.address);
  if (!address) return undefined;
  const cidr = `${address.toNormalizedString()}/${range.prefix}`;
  const network =
    range.family === "ipv4"
      ? ipaddr.IPv4.networkAddressFromCIDR(cidr)
      : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  if (network.toNormalizedString() === address.toNormalizedString()) return undefined;
  const spelled = network instanceof ipaddr.IPv6 ? network.toRFC5952String() : network.toString();
  return `${spelled}/${range.prefix}`;
}

function parseRange(entry: string): { address: string; prefix: number; family: "ipv4" | "ipv6" } | undefined {
  const slash = entry.indexOf("/");
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { address, prefix: Number(prefixText), family: version === 4 ? "ipv4" : "ipv6" };
}
