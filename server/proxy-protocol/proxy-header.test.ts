import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Command,
  IPv4Address,
  IPv4ProxyAddress,
  IPv6Address,
  IPv6ProxyAddress,
  TransportProtocol,
  UnspecProxyAddress,
  V2ProxyProtocol,
} from "proxy-protocol-js";
import { parseProxyHeader } from "./proxy-header.ts";

const SSH_HELLO = Buffer.from("SSH-2.0-OpenSSH_9.2p1\r\n");

function v2(command: Command, address: IPv4ProxyAddress | IPv6ProxyAddress | UnspecProxyAddress): Buffer {
  return Buffer.from(new V2ProxyProtocol(command, TransportProtocol.STREAM, address).build());
}

const v2Ipv4 = () =>
  v2(
    Command.PROXY,
    new IPv4ProxyAddress(
      IPv4Address.createFrom([203, 0, 113, 7]),
      51234,
      IPv4Address.createFrom([198, 51, 100, 1]),
      443,
    ),
  );

const zeros = (n: number): number[] => new Array<number>(n).fill(0);

/** A v2 PROXY header for an IPv6 client (addresses as 16 bytes). */
function v2Ipv6(
  source: number[],
  sourcePort: number,
  destination: number[],
  destinationPort: number,
): Buffer {
  return v2(
    Command.PROXY,
    new IPv6ProxyAddress(
      IPv6Address.createFrom(source),
      sourcePort,
      IPv6Address.createFrom(destination),
      destinationPort,
    ),
  );
}

test("v1: the client's address and ports, and where the connection's own bytes begin", () => {
  const header = "PROXY TCP4 203.0.113.7 198.51.100.1 51234 443\r\n";
  const result = parseProxyHeader(Buffer.concat([Buffer.from(header), SSH_HELLO]));
  assert.deepEqual(result, {
    kind: "header",
    length: header.length,
    peer: { address: "203.0.113.7", port: 51234, localPort: 443 },
  });

  const six = "PROXY TCP6 2001:db8::7 2001:db8::1 40000 80\r\n";
  assert.deepEqual(parseProxyHeader(Buffer.from(`${six}GET / HTTP/1.1\r\n`)), {
    kind: "header",
    length: six.length,
    peer: { address: "2001:db8::7", port: 40000, localPort: 80 },
  });
});

test("v1 UNKNOWN (a balancer's own connection) names no client", () => {
  assert.deepEqual(parseProxyHeader(Buffer.from("PROXY UNKNOWN\r\nSSH-2.0-x\r\n")), {
    kind: "header",
    length: 15,
    peer: undefined,
  });
  const withAddresses = "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n";
  assert.deepEqual(parseProxyHeader(Buffer.from(withAddresses)), {
    kind: "header",
    length: withAddresses.length,
    peer: undefined,
  });
});

test("v1: waits for the end of the line, up to the protocol's 107 bytes", () => {
  assert.deepEqual(parseProxyHeader(Buffer.from("PRO")), { kind: "incomplete" });
  assert.deepEqual(parseProxyHeader(Buffer.from("PROXY TCP4 203.0.113.7 198.51")), { kind: "incomplete" });
  assert.deepEqual(parseProxyHeader(Buffer.from(`PROXY TCP4 ${"1".repeat(120)}`)), {
    kind: "invalid",
    reason: "PROXY v1 header longer than 107 bytes",
  });
});

test("v1: addresses that are not of the named family, bad ports and garbage are refused", () => {
  const cases: [string, RegExp][] = [
    ["PROXY TCP4 2001:db8::7 198.51.100.1 1 2\r\n", /not TCP4/],
    ["PROXY TCP4 999.0.113.7 198.51.100.1 1 2\r\n", /not TCP4/],
    ["PROXY TCP6 203.0.113.7 2001:db8::1 1 2\r\n", /not TCP6/],
    ["PROXY TCP4 203.0.113.7 198.51.100.1 70000 2\r\n", /port out of range/],
    ["PROXY TCP4 <script> 198.51.100.1 1 2\r\n", /not TCP4/],
    ["PROXY UDP4 203.0.113.7 198.51.100.1 1 2\r\n", /malformed PROXY v1 header/],
  ];
  for (const [line, reason] of cases) {
    const result = parseProxyHeader(Buffer.from(line));
    assert.equal(result.kind, "invalid", line);
    assert.match(result.kind === "invalid" ? result.reason : "", reason, line);
  }
});

test("v2: IPv4, IPv6 and v4-mapped clients as Node writes addresses", () => {
  const four = v2Ipv4();
  assert.deepEqual(parseProxyHeader(Buffer.concat([four, SSH_HELLO])), {
    kind: "header",
    length: 28,
    peer: { address: "203.0.113.7", port: 51234, localPort: 443 },
  });

  const six = v2Ipv6(
    [0x20, 0x01, 0x0d, 0xb8, ...zeros(11), 0x07],
    40000,
    [0x20, 0x01, 0x0d, 0xb8, ...zeros(11), 0x01],
    80,
  );
  assert.deepEqual(parseProxyHeader(six), {
    kind: "header",
    length: 52,
    peer: { address: "2001:db8::7", port: 40000, localPort: 80 },
  });

  const mapped = v2Ipv6([...zeros(10), 0xff, 0xff, 203, 0, 113, 7], 1, [...zeros(15), 1], 2);
  const result = parseProxyHeader(mapped);
  assert.equal(result.kind === "header" && result.peer?.address, "::ffff:203.0.113.7");
});

test("v2: extensions (TLVs) after the addresses are part of the header, not of the connection", () => {
  const base = v2Ipv4();
  // A PP2_TYPE_AUTHORITY TLV ("example.com"), as AWS and HAProxy add.
  const tlv = Buffer.concat([Buffer.from([0x02, 0x00, 11]), Buffer.from("example.com")]);
  const header = Buffer.concat([base, tlv]);
  header.writeUInt16BE(base.readUInt16BE(14) + tlv.length, 14);
  const result = parseProxyHeader(Buffer.concat([header, SSH_HELLO]));
  assert.equal(result.kind, "header");
  assert.equal(result.kind === "header" && result.length, header.length);
  assert.equal(result.kind === "header" && result.peer?.address, "203.0.113.7");
});

test("v2 LOCAL (a health check) and unspecified addresses name no client", () => {
  assert.deepEqual(parseProxyHeader(v2(Command.LOCAL, new UnspecProxyAddress())), {
    kind: "header",
    length: 16,
    peer: undefined,
  });
});

test("v2: waits for the whole header, refuses a bad version and an absurd length", () => {
  const header = v2Ipv4();
  for (const cut of [1, 11, 12, 15, 16, 27]) {
    assert.deepEqual(parseProxyHeader(header.subarray(0, cut)), { kind: "incomplete" }, `${cut} bytes`);
  }
  const badVersion = Buffer.from(header);
  badVersion[12] = 0x31;
  assert.deepEqual(parseProxyHeader(badVersion), { kind: "invalid", reason: "malformed PROXY v2 header" });
  const huge = Buffer.from(header);
  huge.writeUInt16BE(60_000, 14);
  assert.deepEqual(parseProxyHeader(huge), {
    kind: "invalid",
    reason: "PROXY v2 header longer than 1024 bytes",
  });
});

test("anything else at the start of a connection is not a header", () => {
  for (const start of [
    SSH_HELLO,
    Buffer.from("GET / HTTP/1.1\r\n"),
    Buffer.from([0x16, 0x03, 0x01]),
    Buffer.from("PROXX"),
  ]) {
    assert.deepEqual(parseProxyHeader(start), {
      kind: "invalid",
      reason: "the connection did not start with a PROXY protocol header",
    });
  }
});
