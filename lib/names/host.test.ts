import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTunnelHost } from "./host.ts";

const DOMAIN = "tunnels.example.com";
const parse = (host: string | undefined) => parseTunnelHost(host, DOMAIN);

test("a tunnel host gives its name, whatever the case, port or trailing dot", () => {
  assert.deepEqual(parse("myapp.tunnels.example.com"), { kind: "tunnel", name: "myapp" });
  assert.deepEqual(parse("MyApp.Tunnels.Example.COM"), { kind: "tunnel", name: "myapp" });
  assert.deepEqual(parse("myapp.tunnels.example.com:8080"), { kind: "tunnel", name: "myapp" });
  assert.deepEqual(parse("myapp.tunnels.example.com."), { kind: "tunnel", name: "myapp" });
  assert.deepEqual(parse("myapp.tunnels.example.com.:443"), { kind: "tunnel", name: "myapp" });
  assert.deepEqual(parse("my-app-2.tunnels.example.com"), { kind: "tunnel", name: "my-app-2" });
});

test("the bare domain and www are the relay's own page", () => {
  assert.deepEqual(parse("tunnels.example.com"), { kind: "apex" });
  assert.deepEqual(parse("TUNNELS.example.com:80"), { kind: "apex" });
  assert.deepEqual(parse("www.tunnels.example.com"), { kind: "apex" });
});

test("missing, empty and non-hostname values are malformed", () => {
  for (const host of [
    undefined,
    "",
    ":80",
    "../etc/passwd.tunnels.example.com",
    "..%2f..%2fetc.tunnels.example.com",
    "my_app.tunnels.example.com",
    "my app.tunnels.example.com",
    "myapp.tunnels.example.com/evil",
    "myapp.tunnels.example.com?x=1",
    "myapp.tunnels.example.com#x",
    "myapp\\.tunnels.example.com",
    "myapp.tunnels.example.com:",
    "myapp.tunnels.example.com:80:80",
    "myapp.tunnels.example.com:http",
    "myapp.tunnels.example.com:123456",
    "user@myapp.tunnels.example.com",
    "café.tunnels.example.com",
    "myapp..tunnels.example.com",
    ".tunnels.example.com",
    "-myapp.tunnels.example.com",
    "myapp-.tunnels.example.com",
    "myapp.tunnels.example.com\u0000",
    `${"a".repeat(64)}.tunnels.example.com`,
    `${"a.".repeat(130)}tunnels.example.com`,
    "[::1",
    "[not-an-ip]",
  ]) {
    assert.deepEqual(parse(host), { kind: "malformed" }, String(host));
  }
});

test("well-formed hosts that can never be a tunnel are not found, without a lookup", () => {
  for (const host of [
    "example.com",
    "tunnels.example.com.evil.com",
    "evil-tunnels.example.com",
    "a.b.tunnels.example.com",
    "www.myapp.tunnels.example.com",
    "127.0.0.1",
    "127.0.0.1:8080",
    "[::1]",
    "[2001:db8::1]:8080",
    "xn--bcher-kva.tunnels.example.com",
    "ab--cd.tunnels.example.com",
    "ab.tunnels.example.com",
    "admin.tunnels.example.com",
  ]) {
    assert.deepEqual(parse(host), { kind: "not_found" }, host);
  }
});

test("the longest possible name still routes", () => {
  const name = "a".repeat(63);
  assert.deepEqual(parse(`${name}.tunnels.example.com`), { kind: "tunnel", name });
});

test("a domain of one label (localhost) works", () => {
  assert.deepEqual(parseTunnelHost("myapp.localhost:8080", "localhost"), { kind: "tunnel", name: "myapp" });
  assert.deepEqual(parseTunnelHost("localhost:8080", "localhost"), { kind: "apex" });
});
