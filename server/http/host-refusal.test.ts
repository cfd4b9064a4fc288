import assert from "node:assert/strict";
import { test } from "node:test";
import { hostRefusalApp } from "./host-refusal.ts";

const VITE =
  'Blocked request. This host ("vite.example.com") is not allowed.\n' +
  'To allow this host, add "vite.example.com" to `server.allowedHosts` in vite.config.js.';
const DJANGO =
  '<!DOCTYPE html>\n<html lang="en">\n<head>\n  <meta http-equiv="content-type" content="text/html; charset=utf-8">\n' +
  "  <title>DisallowedHost\n          at /</title>";
const RAILS = `<!DOCTYPE html><html><head><style>${"body { margin: 0 } ".repeat(400)}</style></head>
<body><header><h1>Blocked hosts: shop.example.com</h1></header>`;

test("dev servers' host-check answers are recognised by their words, with the status they answer with", () => {
  assert.equal(hostRefusalApp(403, Buffer.from(VITE)), "Vite");
  assert.equal(hostRefusalApp(403, Buffer.from("Invalid Host header")), "webpack-dev-server");
  assert.equal(hostRefusalApp(403, Buffer.from("Invalid Host/Origin header")), "webpack-dev-server");
  assert.equal(hostRefusalApp(400, Buffer.from(DJANGO)), "Django");
  assert.equal(hostRefusalApp(403, Buffer.from(RAILS)), "Rails", "found after several KiB of CSS");
  assert.equal(hostRefusalApp(403, Buffer.from("<h1>Blocked host: shop.example.com</h1>")), "Rails");
});

test("other answers are not taken for a host check", () => {
  assert.equal(hostRefusalApp(403, Buffer.from("Forbidden")), null);
  assert.equal(hostRefusalApp(400, Buffer.from('{"error":"invalid email"}')), null);
  assert.equal(hostRefusalApp(200, Buffer.from(VITE)), null, "a page that quotes the words is not a refusal");
  assert.equal(hostRefusalApp(404, Buffer.from("Invalid Host header")), null);
  assert.equal(hostRefusalApp(403, Buffer.from(`x${VITE}`)), null, "Vite's words open its answer");
});
