import assert from "node:assert/strict";
import { test } from "node:test";
import { httpsRedirectLocation } from "./https-redirect.ts";

const domain = "tunnels.example.com";

test("a tunnel's plain-HTTP address goes to the same path over HTTPS", () => {
  assert.equal(
    httpsRedirectLocation("MyApp.tunnels.example.com:80", "/a/b?c=1&d=%2F", domain, 443),
    "https://myapp.tunnels.example.com/a/b?c=1&d=%2F",
  );
  assert.equal(
    httpsRedirectLocation("myapp.tunnels.example.com:8080", "/", domain, 8443),
    "https://myapp.tunnels.example.com:8443/",
    "a non-standard HTTPS port is kept in the address",
  );
  assert.equal(
    httpsRedirectLocation("tunnels.example.com", "/", domain, 443),
    "https://tunnels.example.com/",
  );
});

test("a path that starts with // goes to HTTPS too, still on the tunnel's own host", () => {
  // Served over plain HTTP instead, its password page would take the password in clear text.
  assert.equal(
    httpsRedirectLocation("myapp.tunnels.example.com", "//evil.example/x?y=1", domain, 443),
    "https://myapp.tunnels.example.com//evil.example/x?y=1",
  );
  assert.equal(
    new URL(httpsRedirectLocation("myapp.tunnels.example.com", "//evil.example/", domain, 8443) ?? "").host,
    "myapp.tunnels.example.com:8443",
  );
});

test("hosts outside the relay's domain and odd request targets are not redirected", () => {
  for (const host of [undefined, "", "evil.example", "myapp.tunnels.example.com.evil.example", "127.0.0.1"]) {
    assert.equal(httpsRedirectLocation(host, "/", domain, 443), null, String(host));
  }
  assert.equal(httpsRedirectLocation("a/b@evil.example", "/", domain, 443), null);
  assert.equal(httpsRedirectLocation("myapp.tunnels.example.com", "http://evil.example/", domain, 443), null);
  assert.equal(httpsRedirectLocation("myapp.tunnels.example.com", "*", domain, 443), null);
});
