import assert from "node:assert/strict";
import { test } from "node:test";
import {
  addressCheck,
  clientFromChain,
  hopAddress,
  lastListValue,
  parseTrustedProxies,
  proxyTrust,
  rangeNetwork,
  TRUST_NOBODY,
} from "./trusted-proxies.ts";

test("entries: addresses, ranges and group names; anything else is reported", () => {
  assert.deepEqual(parseTrustedProxies(" 10.0.0.0/8, Loopback,2001:db8::/32 ,203.0.113.7,"), {
    entries: ["10.0.0.0/8", "loopback", "2001:db8::/32", "203.0.113.7"],
    invalid: [],
  });
  assert.deepEqual(parseTrustedProxies("10.0.0.0/33,proxy.example.com,::1/129,1.2.3.4/x,private").invalid, [
    "10.0.0.0/33",
    "proxy.example.com",
    "::1/129",
    "1.2.3.4/x",
  ]);
  // Spellings ipaddr.js would read (octal, hex, fewer parts) but Node's isIP, and so the relay's
  // socket addresses, never take: "010.0.0.1" is 8.0.0.1 to ipaddr.js, 10.0.0.1 to a reader.
  const lax = ["010.0.0.1", "10.1/8", "0x0a.0.0.1/8", "::ffff:01.2.3.4", "fe80::1%eth0/ 64"];
  assert.deepEqual(parseTrustedProxies(["loopback", ...lax].join(",")).invalid, lax);
  const trusts = proxyTrust(["010.0.0.1"]);
  for (const peer of ["8.0.0.1", "10.0.0.1"]) assert.equal(trusts(peer), false, peer);
});

test("trust: ranges, single addresses, groups, IPv4 seen on a dual-stack socket", () => {
  const trusts = proxyTrust(["loopback", "10.0.0.0/8", "203.0.113.7", "2001:db8::/32"]);
  for (const yes of [
    "127.0.0.1",
    "127.9.9.9",
    "::1",
    "::ffff:127.0.0.1",
    "10.200.1.1",
    "203.0.113.7",
    "2001:db8::5",
  ]) {
    assert.equal(trusts(yes), true, yes);
  }
  for (const no of ["203.0.113.8", "11.0.0.1", "2001:db9::1", "unknown", "", "::ffff:198.51.100.1"]) {
    assert.equal(trusts(no), false, no);
  }
  assert.equal(proxyTrust(["private"])("192.168.1.20"), true);
  assert.equal(proxyTrust(["private"])("8.8.8.8"), false);
  assert.equal(proxyTrust([])("127.0.0.1"), false);
});

test("the client is the first untrusted hop from the right; what it claimed further left is ignored", () => {
  const trusts = proxyTrust(["10.0.0.0/8"]);
  // A browser at 198.51.100.7 claiming 1.2.3.4, through two proxies of ours (10.0.0.2 saw 10.0.0.1's peer).
  assert.equal(clientFromChain("1.2.3.4, 198.51.100.7, 10.0.0.1", trusts), "198.51.100.7");
  assert.equal(clientFromChain("198.51.100.7", trusts), "198.51.100.7");
  // Everyone on the chain is trusted: the left-most is the best we know.
  assert.equal(clientFromChain("10.0.0.9, 10.0.0.1", trusts), "10.0.0.9");
  // Garbage ends the walk at the last address a trusted proxy vouched for.
  assert.equal(clientFromChain("unknown, 10.0.0.5", trusts), "10.0.0.5");
  assert.equal(clientFromChain("1.2.3.4, <script>", trusts), undefined);
  assert.equal(
    clientFromChain("::ffff:198.51.100.7,2001:db8::1", proxyTrust(["2001:db8::/32"])),
    "198.51.100.7",
  );
  assert.equal(clientFromChain(undefined, trusts), undefined);
  assert.equal(clientFromChain("", trusts), undefined);
  // Trusting nobody, only the nearest entry counts.
  assert.equal(clientFromChain("1.2.3.4, 198.51.100.7", TRUST_NOBODY), "198.51.100.7");
});

test("entries with ports or brackets (Azure Application Gateway, IIS) are read as their address", () => {
  assert.equal(hopAddress("203.0.113.5:51234"), "203.0.113.5");
  assert.equal(hopAddress("[2001:db8::1]:51234"), "2001:db8::1");
  assert.equal(hopAddress("[2001:db8::1]"), "2001:db8::1");
  assert.equal(hopAddress("2001:db8::1"), "2001:db8::1", "a bare IPv6 address keeps its colons");
  assert.equal(hopAddress("::ffff:203.0.113.5"), "203.0.113.5");
  assert.equal(hopAddress("203.0.113.5:port"), "203.0.113.5:port", "not an address: the walk stops there");
  const trusts = proxyTrust(["10.0.0.0/8"]);
  assert.equal(clientFromChain("198.51.100.7:40000, 10.0.0.1:443", trusts), "198.51.100.7");
  assert.equal(clientFromChain("[2001:db8::7]:40000, 10.0.0.1", trusts), "2001:db8::7");
  // A ported entry is still only believed when a trusted proxy wrote it.
  assert.equal(clientFromChain("1.2.3.4:1, 198.51.100.7:2", trusts), "198.51.100.7");
});

test("rangeNetwork: the network a range with host bits set matches; nothing for one without", () => {
  assert.equal(rangeNetwork("10.0.0.1/8"), "10.0.0.0/8");
  assert.equal(rangeNetwork("192.168.1.200/25"), "192.168.1.128/25");
  assert.equal(rangeNetwork("0.0.0.1/0"), "0.0.0.0/0");
  assert.equal(rangeNetwork("2001:db8::1/32"), "2001:db8::/32");
  assert.equal(rangeNetwork("2001:db8:abcd:12::ff/60"), "2001:db8:abcd:10::/60");
  assert.equal(rangeNetwork("::ffff:10.0.0.1/104"), "::ffff:a00:0/104");
  assert.equal(rangeNetwork("2001:0DB8:0:0:0:0:0:1/32"), "2001:db8::/32", "any spelling");
  assert.equal(rangeNetwork("1:2:3:4:5:6:1.2.3.4/100"), "1:2:3:4:5:6::/100");
  assert.equal(rangeNetwork("::FFFF:10.0.0.1/104"), "::ffff:a00:0/104");
  // IPv4-compatible, not IPv4-mapped: the network is ::a00:0, not ::ffff:a00:0.
  assert.equal(rangeNetwork("::10.0.0.1/104"), "::a00:0/104");
  assert.equal(rangeNetwork("2001:db8:0:0:1:0:0:1/64"), "2001:db8::/64", "RFC 5952's spelling");
  assert.equal(rangeNetwork("2001:db8:0:0:1:0:0:1/80"), "2001:db8:0:0:1::/80", "the first longest zero run");
  for (const none of [
    "10.0.0.0/8",
    "2001:db8::/32",
    "203.0.113.7",
    "203.0.113.7/32",
    "::1/128",
    "private",
    "x/8",
    // A zone names a link of one host; its network without the zone is not what was meant.
    "fe80::1%eth0/64",
    "fe80::1%eth0.100/64",
    "2001:db8::1%eth0/128",
  ]) {
    assert.equal(rangeNetwork(none), undefined, none);
  }
  // The relay matches such an entry as its network: what the name would really have let in.
  assert.equal(addressCheck(["10.0.0.1/8"])("10.200.0.9"), true);
});

test("lastListValue takes what the nearest proxy appended", () => {
  assert.equal(lastListValue("https"), "https");
  assert.equal(lastListValue("https, http"), "http");
  assert.equal(lastListValue(" , "), undefined);
  assert.equal(lastListValue(undefined), undefined);
});
