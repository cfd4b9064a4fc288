import { NAME_MAX_LENGTH, NAME_MIN_LENGTH, RESERVED_WORDS } from "./rules.ts";

/**
 * What a request's Host header points at, relative to the relay's domain.
 * - `tunnel`: `<name>.<domain>` where `<name>` is something a tunnel could be called.
 * - `apex`: the bare domain (or `www.`): the relay's own landing page.
 * - `not_found`: a well-formed host that no tunnel can ever have (another domain, an IP literal,
 *   several labels, a reserved word, punycode): answered 404 without a database lookup.
 * - `malformed`: missing, empty, or not a DNS host name at all: answered 400.
 */
export type HostTarget =
  | { kind: "tunnel"; name: string }
  | { kind: "apex" }
  | { kind: "not_found" }
  | { kind: "malformed" };

const MALFORMED: HostTarget = Object.freeze({ kind: "malformed" });
const NOT_FOUND: HostTarget = Object.freeze({ kind: "not_found" });
const APEX: HostTarget = Object.freeze({ kind: "apex" });

/** RFC 1035 caps a host name at 253 characters; a Host header adds at most ":65535". */
const HOST_MAX_LENGTH = 253;

// Only ASCII letters, digits, dots and hyphens: anything else (slashes, percent signs, backslashes,
// unicode, NUL, spaces) means the header is not a host name, and it is never used as anything but
// a map key anyway.
const HOSTNAME_CHARS = /^[a-z0-9.-]+$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const PORT = /^[0-9]{1,5}$/;

/**
 * Parses a Host header (`MyApp.Example.com:8080`) into the tunnel name it addresses. Pure: the
 * host is data, never a path; the result is a lower-cased label or a verdict.
 *
 * @param host the raw header value (`req.headers.host`), possibly undefined
 * @param domain the relay's domain (`BURROW_DOMAIN`), already lower-case
 */
export function parseTunnelHost(host: string | undefined, domain: string): HostTarget {
  if (!host) return MALFORMED;
  if (host.length > HOST_MAX_LENGTH + 6) return MALFORMED;
  // "[::1]:8080": an IPv6 literal is well-formed but never a tunnel.
  if (host.startsWith("[")) return /^\[[0-9a-fA-F:.]+\](:[0-9]{1,5})?$/.test(host) ? NOT_FOUND : MALFORMED;

  let hostname = host;
  const colon = host.indexOf(":");
  if (colon >= 0) {
    if (!PORT.test(host.slice(colon + 1))) return MALFORMED;
    hostname = host.slice(0, colon);
  }
  hostname = hostname.toLowerCase();
  // A fully qualified "name.example.com." is the same host as "name.example.com".
  if (hostname.endsWith(".")) hostname = hostname.slice(0, -1);
  if (hostname.length === 0 || hostname.length > HOST_MAX_LENGTH) return MALFORMED;
  if (!HOSTNAME_CHARS.test(hostname)) return MALFORMED;

  const labels = hostname.split(".");
  for (const label of labels) {
    if (label.length === 0 || label.length > 63 || !DNS_LABEL.test(label)) return MALFORMED;
  }

  if (hostname === domain || hostname === `www.${domain}`) return APEX;
  if (!hostname.endsWith(`.${domain}`)) return NOT_FOUND;
  const name = hostname.slice(0, hostname.length - domain.length - 1);
  if (name.includes(".")) return NOT_FOUND;
  if (!isPossibleName(name)) return NOT_FOUND;
  return { kind: "tunnel", name };
}

/**
 * The cheap part of lib/names/rules.ts's nameSchema (which runs zod and is too slow for every
 * request): a label no reservation or random name can have is answered without a lookup.
 */
function isPossibleName(label: string): boolean {
  if (label.length < NAME_MIN_LENGTH || label.length > NAME_MAX_LENGTH) return false;
  // "xn--…" (punycode) and any "ab--…" are reserved for DNS extensions.
  if (label[2] === "-" && label[3] === "-") return false;
  return !RESERVED_WORDS.has(label);
}
