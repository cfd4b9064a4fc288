import assert from "node:assert/strict";
import { test } from "node:test";
import { safeRedirectPath } from "./safe-redirect.ts";

test("keeps local paths with query", () => {
  assert.equal(safeRedirectPath("/tunnels/app?status=5xx"), "/tunnels/app?status=5xx");
});

test("refuses other hosts and non-strings", () => {
  for (const bad of [
    "//evil.example/x",
    "/\\evil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "",
    42,
  ]) {
    assert.equal(safeRedirectPath(bad), "/", String(bad));
  }
});
