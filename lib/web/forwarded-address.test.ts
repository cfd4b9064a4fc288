import assert from "node:assert/strict";
import { test } from "node:test";
import { proxyTrust } from "../forwarding/trusted-proxies.ts";
import { addressFromForwarded } from "./forwarded-address.ts";

const from = (entries: Record<string, string>) => addressFromForwarded(new Headers(entries));

test("the address the proxy saw wins over what the browser claimed", () => {
  // nginx's $proxy_add_x_forwarded_for appends the real peer to the browser's own header.
  assert.equal(from({ "x-forwarded-for": "10.0.0.1, 198.51.100.7" }), "198.51.100.7");
  assert.equal(from({ "x-forwarded-for": "1.2.3.4,203.0.113.9 " }), "203.0.113.9");
  assert.equal(from({ "x-forwarded-for": "2001:db8::1" }), "2001:db8::1");
});

test("without a usable X-Forwarded-For, X-Real-IP, then unknown", () => {
  assert.equal(from({ "x-real-ip": "192.0.2.4" }), "192.0.2.4");
  assert.equal(from({ "x-forwarded-for": "1.2.3.4, ", "x-real-ip": "192.0.2.4" }), "192.0.2.4");
  assert.equal(from({}), "unknown");
});

test("a chain of trusted proxies (BURROW_TRUSTED_PROXIES) is walked past to the browser", () => {
  const trusts = proxyTrust(["173.245.48.0/20"]);
  // A CDN edge (trusted) in front of Caddy: Caddy appended the CDN's address.
  const chain = { "x-forwarded-for": "10.9.9.9, 198.51.100.7, 173.245.48.10" };
  assert.equal(addressFromForwarded(new Headers(chain), trusts), "198.51.100.7");
  assert.equal(addressFromForwarded(new Headers(chain)), "173.245.48.10");
});
