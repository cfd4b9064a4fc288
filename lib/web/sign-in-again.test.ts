import assert from "node:assert/strict";
import { test } from "node:test";
import { pathOfReferer, signInAgainHref } from "./sign-in-again.ts";

test("signInAgainHref returns to the page, query and all", () => {
  assert.equal(signInAgainHref("/names?x=1"), "/login?callbackUrl=%2Fnames%3Fx%3D1");
  assert.equal(signInAgainHref("/names", "ended"), "/login?callbackUrl=%2Fnames&ended=1");
  assert.equal(signInAgainHref("/names", "disabled"), "/login?callbackUrl=%2Fnames&ended=disabled");
});

test("signInAgainHref never returns to another site", () => {
  assert.equal(signInAgainHref("//evil.example/x"), "/login?callbackUrl=%2F");
});

test("pathOfReferer keeps the path and query of the page the action came from", () => {
  assert.equal(pathOfReferer("http://localhost:3000/tunnels/myapp?status=5xx"), "/tunnels/myapp?status=5xx");
  assert.equal(pathOfReferer(null), "/");
  assert.equal(pathOfReferer("not a url"), "/");
});
