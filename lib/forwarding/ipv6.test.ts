import assert from "node:assert/strict";
import { isIPv6 } from "node:net";
import { test } from "node:test";
import { parseIpv6 } from "./ipv6.ts";

/** The eight groups parseIpv6 read, or null. */
function groups(text: string): number[] | null {
  return parseIpv6(text)?.parts ?? null;
}

test("every spelling of an address gives its eight groups", () => {
  const expected = [0x2001, 0xdb8, 1, 2, 0, 0, 0, 1];
  for (const ip of [
    "2001:db8:1:2::1",
    "2001:DB8:1:2::1",
    "2001:0db8:0001:0002:0000:0000:0000:0001",
    "2001:db8:1:2:0:0:0:1",
    "2001:db8:1:2::0.0.0.1",
    "2001:db8:1:2::1%eth0",
    // Zones ipaddr.js alone refuses but Node accepts (a VLAN interface, a dash).
    "2001:db8:1:2::1%eth0.100",
    "2001:db8:1:2::1%en-0",
  ]) {
    assert.deepEqual(groups(ip), expected, ip);
  }
  assert.deepEqual(groups("::"), [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(groups("::1"), [0, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(groups("1:2:3:4:5:6:7::"), [1, 2, 3, 4, 5, 6, 7, 0]);
  assert.deepEqual(groups("::ffff:192.0.2.1"), [0, 0, 0, 0, 0, 0xffff, 0xc000, 0x201]);
  assert.deepEqual(groups("1:2:3:4:5:6:192.0.2.1"), [1, 2, 3, 4, 5, 6, 0xc000, 0x201]);
  assert.equal(parseIpv6("2001:db8::1%eth0")?.zoneId, undefined, "the zone is dropped");
});

test("an IPv4-compatible address (::192.0.2.1) is read as written, not as IPv4-mapped", () => {
  // ipaddr.js on its own reads "::a.b.c.d" as ::ffff:a.b.c.d: another address.
  for (const ip of ["::192.0.2.1", "::192.0.2.1%eth0", "0:0:0:0:0:0:192.0.2.1", "::0:192.0.2.1"]) {
    assert.deepEqual(groups(ip), [0, 0, 0, 0, 0, 0, 0xc000, 0x201], ip);
    assert.equal(parseIpv6(ip)?.isIPv4MappedAddress(), false, ip);
  }
});

test("text that is not an IPv6 address is null, including what ipaddr.js alone would accept", () => {
  for (const text of [
    "",
    "203.0.113.7",
    "unknown",
    "1::2::3",
    "2001:db8:1:2:3",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7:8::",
    "2001:db8::1:",
    ":1::",
    "12345::1",
    "::ffff:300.1.1.1",
    "::ffff:1.2.3",
    "::ffff:1.2.3.4.5",
    "::ffff:1..3.4",
    "2001:db8::g",
    // ipaddr.js reads octal and hex IPv4 parts; Node, and so the relay, does not.
    "::ffff:01.2.3.4",
    "::ffff:0x7f.0.0.1",
    "2001:db8::1%",
  ]) {
    assert.equal(groups(text), null, text);
    assert.equal(isIPv6(text), false, `node:net agrees on ${text}`);
  }
});

test("agrees with node:net and the URL parser on random addresses in every spelling", () => {
  for (let n = 0; n < 2_000; n++) {
    // Runs of zero groups, so "::" lands anywhere.
    const expected = Array.from({ length: 8 }, () =>
      Math.random() < 0.4 ? 0 : Math.floor(Math.random() * 0x10000),
    );
    const hex = expected.map((g) => g.toString(16));
    const dotted = `${expected[6]! >> 8}.${expected[6]! & 255}.${expected[7]! >> 8}.${expected[7]! & 255}`;
    const short = new URL(`http://[${hex.join(":")}]`).hostname.slice(1, -1);
    for (const ip of [
      hex.join(":"),
      hex
        .map((g) => g.padStart(4, "0"))
        .join(":")
        .toUpperCase(),
      short,
      `${hex.slice(0, 6).join(":")}:${dotted}`,
      `${short}%eth0`,
    ]) {
      assert.ok(isIPv6(ip), ip);
      assert.deepEqual(groups(ip), expected, ip);
      // RFC 5952's spelling, as the URL parser writes it.
      assert.equal(parseIpv6(ip)?.toRFC5952String(), short, ip);
    }
  }
});
