import assert from "node:assert/strict";
import { isIPv6 } from "node:net";
import { test } from "node:test";
import { ipv6Groups } from "./ipv6.ts";

test("every spelling of an address gives its eight groups", () => {
  const groups = [0x2001, 0xdb8, 1, 2, 0, 0, 0, 1];
  for (const ip of [
    "2001:db8:1:2::1",
    "2001:DB8:1:2::1",
    "2001:0db8:0001:0002:0000:0000:0000:0001",
    "2001:db8:1:2:0:0:0:1",
    "2001:db8:1:2::0.0.0.1",
    "2001:db8:1:2::1%eth0",
  ]) {
    assert.deepEqual(ipv6Groups(ip), groups, ip);
  }
  assert.deepEqual(ipv6Groups("::"), [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(ipv6Groups("::1"), [0, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(ipv6Groups("1:2:3:4:5:6:7::"), [1, 2, 3, 4, 5, 6, 7, 0]);
  assert.deepEqual(ipv6Groups("::ffff:192.0.2.1"), [0, 0, 0, 0, 0, 0xffff, 0xc000, 0x201]);
  assert.deepEqual(ipv6Groups("1:2:3:4:5:6:192.0.2.1"), [1, 2, 3, 4, 5, 6, 0xc000, 0x201]);
});

test("text that is not an IPv6 address is null", () => {
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
  ]) {
    assert.equal(ipv6Groups(text), null, text);
    assert.equal(isIPv6(text), false, `node:net agrees on ${text}`);
  }
});

test("agrees with node:net and the URL parser on random addresses in every spelling", () => {
  for (let n = 0; n < 2_000; n++) {
    // Runs of zero groups, so "::" lands anywhere.
    const groups = Array.from({ length: 8 }, () =>
      Math.random() < 0.4 ? 0 : Math.floor(Math.random() * 0x10000),
    );
    const hex = groups.map((g) => g.toString(16));
    const dotted = `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
    for (const ip of [
      hex.join(":"),
      hex
        .map((g) => g.padStart(4, "0"))
        .join(":")
        .toUpperCase(),
      new URL(`http://[${hex.join(":")}]`).hostname.slice(1, -1),
      `${hex.slice(0, 6).join(":")}:${dotted}`,
    ]) {
      assert.ok(isIPv6(ip), ip);
      assert.deepEqual(ipv6Groups(ip), groups, ip);
    }
  }
});
