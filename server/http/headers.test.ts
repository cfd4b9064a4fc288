import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type ForwardedFacts,
  forwardedHeaderValue,
  normalizeIp,
  upstreamRequestHeaders,
  visitorResponseHeaders,
  withoutCookies,
} from "./headers.ts";

const facts: ForwardedFacts = {
  clientIp: "203.0.113.5",
  host: "myapp.example.com",
  proto: "https",
  port: 443,
};

/** All values of a header in a raw header array, case-insensitively. */
function values(raw: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
  return out;
}

test("Forwarded quotes IPv6 and hosts with a port", () => {
  assert.equal(forwardedHeaderValue(facts), "for=203.0.113.5;host=myapp.example.com;proto=https");
  assert.equal(
    forwardedHeaderValue({ ...facts, clientIp: "2001:db8::1", host: "myapp.example.com:8443" }),
    'for="[2001:db8::1]";host="myapp.example.com:8443";proto=https',
  );
});

test("IPv4-mapped IPv6 addresses are shown as IPv4", () => {
  assert.equal(normalizeIp("::ffff:198.51.100.7"), "198.51.100.7");
  assert.equal(normalizeIp("2001:db8::1"), "2001:db8::1");
  assert.equal(normalizeIp(undefined), "unknown");
});

test("spoofed forwarding headers are replaced by the relay's own", () => {
  const raw = [
    "Host",
    "myapp.example.com",
    "X-Forwarded-For",
    "6.6.6.6",
    "x-forwarded-proto",
    "http",
    "X-Forwarded-Host",
    "evil.example",
    "X-Forwarded-Port",
    "1",
    "X-Real-IP",
    "6.6.6.6",
    "Forwarded",
    "for=6.6.6.6",
    "Accept",
    "*/*",
  ];
  const out = upstreamRequestHeaders(raw, facts, { upgrade: false });
  assert.deepEqual(values(out, "x-forwarded-for"), ["203.0.113.5"]);
  assert.deepEqual(values(out, "x-forwarded-proto"), ["https"]);
  assert.deepEqual(values(out, "x-forwarded-host"), ["myapp.example.com"]);
  assert.deepEqual(values(out, "x-forwarded-port"), ["443"]);
  assert.deepEqual(values(out, "x-real-ip"), ["203.0.113.5"]);
  assert.deepEqual(values(out, "forwarded"), ["for=203.0.113.5;host=myapp.example.com;proto=https"]);
  assert.deepEqual(values(out, "host"), ["myapp.example.com"]);
  assert.deepEqual(values(out, "accept"), ["*/*"]);
});

test("hop-by-hop headers and those named in Connection are stripped from requests", () => {
  const raw = [
    "Host",
    "myapp.example.com",
    "Connection",
    "keep-alive, X-Secret-Hop",
    "Keep-Alive",
    "timeout=5",
    "TE",
    "trailers",
    "Trailer",
    "Expires",
    "Upgrade",
    "websocket",
    "Proxy-Authorization",
    "Basic Zm9vOmJhcg==",
    "Proxy-Connection",
    "keep-alive",
    "X-Secret-Hop",
    "1",
    "Cookie",
    "a=1",
  ];
  const out = upstreamRequestHeaders(raw, facts, { upgrade: false });
  for (const name of [
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy-connection",
    "x-secret-hop",
  ]) {
    assert.deepEqual(values(out, name), [], name);
  }
  assert.deepEqual(values(out, "cookie"), ["a=1"]);
});

test("Transfer-Encoding and Expect are not forwarded: the HTTP client frames the body itself", () => {
  const out = upstreamRequestHeaders(
    ["Host", "h", "Transfer-Encoding", "chunked", "Expect", "100-continue"],
    facts,
    { upgrade: false },
  );
  assert.deepEqual(values(out, "transfer-encoding"), []);
  assert.deepEqual(values(out, "expect"), []);
  assert.deepEqual(values(out, "host"), ["h"]);
});

test("an upgrade keeps Upgrade and says Connection: Upgrade", () => {
  const raw = ["Host", "h", "Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Key", "k"];
  const out = upstreamRequestHeaders(raw, facts, { upgrade: true });
  assert.deepEqual(values(out, "upgrade"), ["websocket"]);
  assert.deepEqual(values(out, "connection"), ["Upgrade"]);
  assert.deepEqual(values(out, "sec-websocket-key"), ["k"]);
});

test("header edits remove the relay's cookie and Authorization", () => {
  const raw = ["Host", "h", "Cookie", "a=1; burrow_access=xyz; b=2", "Authorization", "Basic eDp5"];
  const out = upstreamRequestHeaders(raw, facts, {
    upgrade: false,
    edits: { dropCookies: ["burrow_access"], dropAuthorization: true },
  });
  assert.deepEqual(values(out, "cookie"), ["a=1; b=2"]);
  assert.deepEqual(values(out, "authorization"), []);
  const onlyOurs = upstreamRequestHeaders(["Host", "h", "Cookie", "burrow_access=xyz"], facts, {
    upgrade: false,
    edits: { dropCookies: ["burrow_access"] },
  });
  assert.deepEqual(values(onlyOurs, "cookie"), []);
  assert.equal(withoutCookies("x=1;y=2", ["x"]), "y=2");
});

test("a host edit replaces the Host the app sees; X-Forwarded-Host keeps the visitor's", () => {
  const out = upstreamRequestHeaders(["Host", "myapp.example.com", "Accept", "*/*"], facts, {
    upgrade: false,
    edits: { host: "localhost" },
  });
  assert.deepEqual(values(out, "host"), ["localhost"]);
  assert.deepEqual(values(out, "x-forwarded-host"), [facts.host]);
  assert.deepEqual(values(out, "accept"), ["*/*"]);
});

test("responses lose hop-by-hop headers but keep repeated Set-Cookie", () => {
  const raw = [
    "Content-Type",
    "text/plain",
    "Set-Cookie",
    "a=1",
    "Set-Cookie",
    "b=2",
    "Connection",
    "keep-alive, X-Internal",
    "Keep-Alive",
    "timeout=5",
    "Transfer-Encoding",
    "chunked",
    "X-Internal",
    "1",
  ];
  const out = visitorResponseHeaders(raw);
  assert.deepEqual(out, ["Content-Type", "text/plain", "Set-Cookie", "a=1", "Set-Cookie", "b=2"]);
});

test("a share token in the Referer never reaches the app; the rest of the Referer does", () => {
  const referer = (value: string) =>
    values(upstreamRequestHeaders(["Referer", value], facts, { upgrade: false }), "referer");
  assert.deepEqual(referer("https://myapp.example.com/echo?burrow_share=tok"), [
    "https://myapp.example.com/echo",
  ]);
  assert.deepEqual(referer("https://myapp.example.com/a?x=1&burrow%5Fshare=tok&y=2"), [
    "https://myapp.example.com/a?x=1&y=2",
  ]);
  assert.deepEqual(referer("https://other.example/?q=burrow"), ["https://other.example/?q=burrow"]);
});
