// Pure: recognises a PROXY protocol header (HAProxy's, versions 1 and 2) at the start of a
// connection. proxy-protocol-js parses a complete header; this finds where the header ends (so the
// bytes after it go to SSH or HTTP untouched) and checks what the parser leaves unchecked.
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import {
  Command,
  INETProtocol,
  IPv4ProxyAddress,
  IPv6ProxyAddress,
  V1ProxyProtocol,
  V2ProxyProtocol,
} from "proxy-protocol-js";

/** The client a load balancer speaks for, from its PROXY header. */
export interface ProxiedPeer {
  address: string;
  port: number;
  /** The port the client connected to on the load balancer (443 rather than the relay's own). */
  localPort: number;
}

export type ProxyHeaderResult =
  /** Not enough bytes yet to tell. */
  | { kind: "incomplete" }
  | { kind: "invalid"; reason: string }
  /**
   * A whole header of `length` bytes. `peer` is undefined for a header that names no client (v2
   * LOCAL, the balancer's own health check; v1 UNKNOWN): the connection is the balancer's own.
   */
  | { kind: "header"; length: number; peer: ProxiedPeer | undefined };

const V1_PREFIX = Buffer.from("PROXY ");
/** The longest v1 line the specification allows, CRLF included. */
const V1_MAX_BYTES = 107;
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED_BYTES = 16;
/** Far more than addresses and the TLVs balancers send (AWS and GCP add tens of bytes). */
const V2_MAX_BYTES = 1_024;

/** Reads the header at the start of `data`, the bytes received so far on a connection. */
export function parseProxyHeader(data: Buffer): ProxyHeaderResult {
  if (data.length === 0) return { kind: "incomplete" };
  if (startsLike(data, V2_SIGNATURE)) {
    return data.length < V2_SIGNATURE.length ? { kind: "incomplete" } : parseV2(data);
  }
  if (startsLike(data, V1_PREFIX)) {
    return data.length < V1_PREFIX.length ? { kind: "incomplete" } : parseV1(data);
  }
  return { kind: "invalid", reason: "the connection did not start with a PROXY protocol header" };
}

/** True when `data` and `prefix` agree on the bytes both have. */
function startsLike(data: Buffer, prefix: Buffer): boolean {
  const n = Math.min(data.length, prefix.length);
  return data.subarray(0, n).equals(prefix.subarray(0, n));
}

function parseV1(data: Buffer): ProxyHeaderResult {
  const end = data.subarray(0, V1_MAX_BYTES).indexOf("\r\n");
  if (end < 0) {
    return data.length >= V1_MAX_BYTES
      ? { kind: "invalid", reason: `PROXY v1 header longer than ${V1_MAX_BYTES} bytes` }
      : { kind: "incomplete" };
  }
  const length = end + 2;
  const line = data.toString("latin1", 0, length);
  // "PROXY UNKNOWN" may be followed by anything up to the CRLF; the parser only takes addresses.
  if (/^PROXY UNKNOWN[ \r]/.test(line)) return { kind: "header", length, peer: undefined };
  let parsed: V1ProxyProtocol;
  try {
    parsed = V1ProxyProtocol.parse(line);
  } catch {
    return { kind: "invalid", reason: "malformed PROXY v1 header" };
  }
  const family = parsed.inetProtocol === INETProtocol.TCP6 ? 6 : 4;
  const { source, destination } = parsed;
  if (isIP(source.ipAddress) !== family || isIP(destination.ipAddress) !== family) {
    return { kind: "invalid", reason: `PROXY v1 header with an address that is not ${parsed.inetProtocol}` };
  }
  if (!isPort(source.port) || !isPort(destination.port)) {
    return { kind: "invalid", reason: "PROXY v1 header with a port out of range" };
  }
  return {
    kind: "header",
    length,
    peer: { address: source.ipAddress, port: source.port, localPort: destination.port },
  };
}

function parseV2(data: Buffer): ProxyHeaderResult {
  if (data.length < V2_FIXED_BYTES) return { kind: "incomplete" };
  const length = V2_FIXED_BYTES + data.readUInt16BE(14);
  if (length > V2_MAX_BYTES)
    return { kind: "invalid", reason: `PROXY v2 header longer than ${V2_MAX_BYTES} bytes` };
  if (data.length < length) return { kind: "incomplete" };
  // The parser takes the header alone: what follows it is the client's SSH or HTTP.
  let parsed: V2ProxyProtocol;
  try {
    parsed = V2ProxyProtocol.parse(new Uint8Array(data.subarray(0, length)));
  } catch {
    return { kind: "invalid", reason: "malformed PROXY v2 header" };
  }
  if (parsed.command === Command.LOCAL) return { kind: "header", length, peer: undefined };
  const address = parsed.proxyAddress;
  if (address instanceof IPv4ProxyAddress) {
    return {
      kind: "header",
      length,
      peer: {
        address: address.sourceAddress.address.join("."),
        port: address.sourcePort,
        localPort: address.destinationPort,
      },
    };
  }
  if (address instanceof IPv6ProxyAddress) {
    return {
      kind: "header",
      length,
      peer: {
        address: ipv6Text(address.sourceAddress.address),
        port: address.sourcePort,
        localPort: address.destinationPort,
      },
    };
  }
  // AF_UNSPEC or AF_UNIX: the balancer vouches for no IP client (the specification says to use the
  // connection's own address then).
  return { kind: "header", length, peer: undefined };
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 65535;
}

/** 16 bytes as the usual IPv6 text, "::ffff:a.b.c.d" for mapped IPv4 (as Node reports sockets). */
function ipv6Text(bytes: readonly number[]): string {
  // The parser hands over the header's 16 address bytes, which ipaddr.IPv6 takes as they are.
  const ipv6 = new ipaddr.IPv6([...bytes]);
  // RFC 5952's spelling (longest zero run as "::", lower case), as Node writes socket addresses.
  return ipv6.isIPv4MappedAddress() ? `::ffff:${ipv6.toIPv4Address().toString()}` : ipv6.toRFC5952String();
}
