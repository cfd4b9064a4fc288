import assert from "node:assert/strict";
import { test } from "node:test";
import { loopbackLink, loopbackLocation } from "./local-address.ts";

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

test("a page's first link, asset or form on the owner's computer is found; relative and other links are not", () => {
  const page = (body: string) => `<!doctype html><html><head>${body}</head></html>`;
  assert.equal(
    loopbackLink(
      page(
        `<a href="/about">About</a><link rel=stylesheet href='http://localhost:8000/wp-content/style.css?v=1'>`,
      ),
      "tunnels.example.com",
    )?.href,
    "http://localhost:8000/wp-content/style.css?v=1",
  );
  assert.equal(
    loopbackLink(page(`<script src=//127.0.0.1:5173/app.js></script>`), "t.example")?.host,
    "127.0.0.1:5173",
  );
  assert.equal(loopbackLink(page(`<form action="http://[::1]:3000/login">`), "t.example")?.hostname, "[::1]");
  for (const body of [
    `<a href="/about">`,
    `<a href="https://example.com/">`,
    `<img src="data:image/png;base64,AAAA">`,
    `<p>Run it on http://localhost:3000 first</p>`,
    `<a href="http://myapp.tunnels.example.com/">`,
  ])
    assert.equal(loopbackLink(page(body), "tunnels.example.com"), null, body);
});
