import assert from "node:assert/strict";
import { isIP } from "node:net";
import { test } from "node:test";
import { isLoopbackHost, normalizeIpAddress } from "./ip-address.ts";

test("IPv4 and IPv6 addresses are accepted in the form Node reports visitors in", () => {
  assert.equal(normalizeIpAddress("203.0.113.7"), "203.0.113.7");
  assert.equal(normalizeIpAddress(" 127.0.0.1 "), "127.0.0.1");
  assert.equal(normalizeIpAddress("::1"), "::1");
  assert.equal(normalizeIpAddress("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  assert.equal(normalizeIpAddress("2001:db8::1"), "2001:db8::1");
  // As the relay logs an IPv4 visitor of a dual-stack socket.
  assert.equal(normalizeIpAddress("::ffff:203.0.113.7"), "203.0.113.7");
});

test("anything else is refused", () => {
  for (const text of [
    "",
    "1.2.3",
    "256.1.1.1",
    "01.2.3.4",
    "1.2.3.4.5",
    "1:2",
    "::g",
    "[::1]",
    "localhost",
    "1.2.3.4/24",
    "::1%eth0",
    "::ffff:1.2.3",
  ]) {
    assert.equal(normalizeIpAddress(text), null, text);
  }
});

test("agrees with node:net on what is an address", () => {
  const samples = [
    "10.0.0.1",
    "0.0.0.0",
    "255.255.255.255",
    "fe80::1",
    "::ffff:1.2.3.4",
    "::",
    "1::",
    "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7:8:9",
    "1.2.3.04",
  ];
  for (const text of samples) assert.equal(normalizeIpAddress(text) !== null, isIP(text) !== 0, text);
});

test("loopback hosts are localhost, *.localhost, 127.x.x.x and ::1, not names that only look like one", () => {
  for (const host of ["localhost", "LOCALHOST", "app.localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"])
    assert.ok(isLoopbackHost(host), host);
  for (const host of ["localhost.example.com", "127.0.0.1.nip.io", "128.0.0.1", "::2", "example.com", ""])
    assert.equal(isLoopbackHost(host), false, host);
});
