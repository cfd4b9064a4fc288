import assert from "node:assert/strict";
import { test } from "node:test";
import { loopbackLocation } from "./local-redirect.ts";

test("redirects to the owner's own computer are recognised, with any scheme-relative or absolute form", () => {
  for (const location of [
    "http://localhost:8000/wp-admin/",
    "https://LOCALHOST/login",
    "//localhost:3000/",
    "http://127.0.0.1:5000/x?y=1",
    "http://127.1.2.3/",
    "http://[::1]:8080/",
    "http://app.localhost:5173/",
  ])
    assert.ok(loopbackLocation(location, "tunnels.example.com"), location);
});

test("relative redirects, other hosts and the relay's own names are not", () => {
  for (const location of [
    "/login",
    "login?next=/",
    "https://example.com/",
    "http://localhost.example.com/",
    "http://127.0.0.1.example.com/",
    "http://myapp.tunnels.example.com/",
    "mailto:someone@localhost",
    "http://[",
  ])
    assert.equal(loopbackLocation(location, "tunnels.example.com"), null, location);
  // A trial on one computer: the relay's domain is localhost, and its tunnels are under it.
  assert.equal(loopbackLocation("http://myapp.localhost:8080/", "localhost"), null);
  assert.equal(loopbackLocation("http://localhost:8080/", "localhost"), null);
  assert.ok(loopbackLocation("http://127.0.0.1:8000/", "localhost"));
});
