// Pure and free of Node modules: the dashboard's filters check addresses in the browser too.

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * The address in the form the request log stores (Node's: IPv4 dotted, IPv6 compressed and in lower
 * case), or null when `text` is not an IPv4 or IPv6 address. IPv6 is read by the URL parser, which
 * every runtime has and which follows RFC 5952's compressed form.
 */
export function normalizeIpAddress(text: string): string | null {
  const value = text.trim().toLowerCase();
  if (IPV4.test(value)) return value;
  // An IPv4 visitor on a dual-stack socket: the relay logs the IPv4 address alone.
  const plain = plainAddress(value);
  if (plain !== value) return IPV4.test(plain) ? plain : null;
  if (!value.includes(":") || value.length > 45 || !/^[0-9a-f:.]+$/.test(value)) return null;
  try {
    const host = new URL(`http://[${value}]/`).hostname;
    return host.slice(1, -1);
  } catch {
    return null;
  }
}

/** "::ffff:203.0.113.5" (an IPv4 peer on a dual-stack socket) → "203.0.113.5"; others unchanged. */
export function plainAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

const LOOPBACK_HOST = /^(?:localhost|[a-z0-9.-]+\.localhost|127(?:\.\d{1,3}){3}|::1)$/;

/**
 * Whether a host name always means "this computer": localhost and *.localhost (RFC 6761),
 * 127.x.x.x and ::1 (bracketed, as in a URL, or not). DNS names that merely look like one
 * ("127.0.0.1.nip.io") do not count.
 */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOST.test(host.toLowerCase().replace(/^\[(.*)\]$/, "$1"));
}
