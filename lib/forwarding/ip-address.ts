// Pure and free of Node modules: the dashboard's filters check addresses in the browser too.

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * The address in the form the request log stores (Node's: IPv4 dotted, IPv6 compressed and in lower
 * case), or null when `text` is not an IPv4 or IPv6 address. IPv6 is read by the URL parser, which
 * every runtime has and which follows RFC 5952's compressed form.
 */
export function normalizeIpAddress(text: string): string | null {
  const value = text.trim();
  if (IPV4.test(value)) return value;
  // An IPv4 visitor on a dual-stack socket: the relay logs the IPv4 address alone.
  const mapped = /^::ffff:(.+)$/i.exec(value)?.[1];
  if (mapped?.includes(".")) return IPV4.test(mapped) ? mapped : null;
  if (!value.includes(":") || value.length > 45 || !/^[0-9A-Fa-f:.]+$/.test(value)) return null;
  try {
    const host = new URL(`http://[${value}]/`).hostname;
    return host.slice(1, -1);
  } catch {
    return null;
  }
}
