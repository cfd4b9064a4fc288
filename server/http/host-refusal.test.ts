import assert from "node:assert/strict";
import { test } from "node:test";
import { hostCheckOf } from "./host-refusal.ts";

const appOf = (status: number, body: Buffer) => hostCheckOf(status, body)?.app ?? null;

const VITE =
  'Blocked request. This host ("vite.example.com") is not allowed.\n' +
  'To allow this host, add "vite.example.com" to `server.allowedHosts` in vite.config.js.';
const DJANGO =
  '<!DOCTYPE html>\n<html lang="en">\n<head>\n  <meta http-equiv="content-type" content="text/html; charset=utf-8">\n' +
  "  <title>DisallowedHost\n          at /</title>";
const RAILS = `<!DOCTYPE html><html><head><style>${"body { margin: 0 } ".repeat(400)}</style></head>
<body><header><h1>Blocked hosts: shop.example.com</h1></header>`;

test("dev servers' host-check answers are recognised by their words, with the status they answer with", () => {
  assert.equal(appOf(403, Buffer.from(VITE)), "Vite");
  assert.equal(appOf(403, Buffer.from("Invalid Host header")), "webpack-dev-server");
  assert.equal(appOf(403, Buffer.from("Invalid Host/Origin header")), "webpack-dev-server");
  assert.equal(appOf(400, Buffer.from(DJANGO)), "Django");
  assert.equal(appOf(403, Buffer.from(RAILS)), "Rails", "found after several KiB of CSS");
  assert.equal(appOf(403, Buffer.from("<h1>Blocked host: shop.example.com</h1>")), "Rails");
});

test("other answers are not taken for a host check", () => {
  assert.equal(appOf(403, Buffer.from("Forbidden")), null);
  assert.equal(appOf(400, Buffer.from('{"error":"invalid email"}')), null);
  assert.equal(appOf(200, Buffer.from(VITE)), null, "a page that quotes the words is not a refusal");
  assert.equal(appOf(404, Buffer.from("Invalid Host header")), null);
  assert.equal(appOf(403, Buffer.from(`x${VITE}`)), null, "Vite's words open its answer");
});

test("each host check comes with the exact change that lets the host in, and Host: localhost only where it is a full fix", () => {
  const check = (body: string) => hostCheckOf(403, Buffer.from(body))!;
  assert.equal(
    check(VITE).allow("myapp.example.com"),
    "add server.allowedHosts: ['myapp.example.com'] to vite.config.js",
  );
  assert.equal(check(VITE).localhostWorks, true);
  const webpack = check("Invalid Host header");
  assert.equal(
    webpack.allow("myapp.example.com"),
    "add devServer.allowedHosts: ['myapp.example.com'] to webpack.config.js",
  );
  assert.equal(webpack.localhostWorks, false, "its live reload checks the Origin too");
  assert.equal(
    check(RAILS).allow("shop.example.com"),
    'add config.hosts << "shop.example.com" to config/environments/development.rb',
  );
  assert.equal(check(RAILS).localhostWorks, false, "Rails checks X-Forwarded-Host too");
  assert.equal(
    hostCheckOf(400, Buffer.from(DJANGO))!.allow("a.example.com"),
    "add 'a.example.com' to ALLOWED_HOSTS in settings.py",
  );
});
