import assert from "node:assert/strict";
import { test } from "node:test";
import { visitorKey } from "./visitor-key.ts";

// How IPv6 text is read (every spelling, what is not IPv6): lib/forwarding/ipv6.test.ts.

test("an IPv6 visitor is its /64, however the address is spelled; an IPv4 visitor its address", () => {
  const network = "2001:db8:1:2::/64";
  for (const ip of [
    "2001:db8:1:2::1",
    "2001:db8:1:2:a1b2:c3d4:e5f6:789",
    "2001:DB8:1:2:A1B2:C3D4:E5F6:789",
    "2001:0db8:0001:0002:0000:0000:0000:0001",
    "2001:db8:1:2::c000:201",
    "2001:db8:1:2::192.0.2.1",
    "2001:db8:1:2::1%eth0",
    "2001:db8:1:2::1%eth0.100",
  ]) {
    assert.equal(visitorKey(ip), network, ip);
  }
  assert.equal(visitorKey("2001:db8:1:3::1"), "2001:db8:1:3::/64", "the next /64 is another visitor");
  assert.equal(visitorKey("2001:db8::5"), "2001:db8::/64", "written as RFC 5952 writes it");
  assert.equal(visitorKey("2001:0:0:5:1::"), "2001:0:0:5::/64");
  assert.equal(visitorKey("::1"), "::/64");
  assert.equal(visitorKey("::"), "::/64");
  assert.equal(visitorKey("1:2:3:4:5:6:7::"), "1:2:3:4::/64");
  assert.equal(visitorKey("2001:0:0:5:0:0:0:1"), "2001:0:0:5::/64");
  // IPv4-compatible (deprecated), not IPv4-mapped: an IPv6 visitor in ::/64, not 192.0.2.1.
  assert.equal(visitorKey("::192.0.2.1"), "::/64");
  assert.equal(visitorKey("203.0.113.7"), "203.0.113.7");
  assert.equal(visitorKey("unknown"), "unknown");
});

test("an IPv4-mapped IPv6 visitor is its IPv4 address, in any spelling", () => {
  for (const ip of [
    "::ffff:192.0.2.1",
    "::FFFF:192.0.2.1",
    "::ffff:c000:201",
    "0:0:0:0:0:ffff:192.0.2.1",
    "0000:0000:0000:0000:0000:FFFF:C000:0201",
    "::ffff:192.0.2.1%eth0",
  ]) {
    assert.equal(visitorKey(ip), "192.0.2.1", ip);
  }
});

test("text that is not an IPv6 address is its own key", () => {
  // "::ffff:01.2.3.4" is 1.2.3.4 to ipaddr.js alone; Node refuses it, so it is never a visitor's address.
  for (const text of ["1::2::3", "12345::1", "::ffff:300.1.1.1", "2001:db8::g", "::ffff:01.2.3.4"]) {
    assert.equal(visitorKey(text), text);
  }
});
