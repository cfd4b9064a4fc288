import assert from "node:assert/strict";
import { test } from "node:test";
import { accessCell } from "./log-access.ts";

test("rows the app answered show how the visitor got in", () => {
  assert.deepEqual(accessCell("PUBLIC", null), { label: "Public", byRelay: false, refused: false });
  assert.deepEqual(accessCell("SHARE_LINK", null), { label: "Share link", byRelay: false, refused: false });
  assert.deepEqual(accessCell("DENIED", null), { label: "Denied", byRelay: false, refused: true });
});

test("Burrow's own pages are named, and only real refusals read as refused", () => {
  assert.deepEqual(accessCell("DENIED", "link_confirm"), {
    label: "Link confirmation",
    byRelay: true,
    refused: false,
  });
  assert.deepEqual(accessCell("DENIED", "password_wrong"), {
    label: "Wrong password",
    byRelay: true,
    refused: true,
  });
  assert.deepEqual(accessCell("SHARE_LINK", "link_opened"), {
    label: "Link opened",
    byRelay: true,
    refused: false,
  });
});

test("a page name this dashboard does not know falls back to the admission", () => {
  assert.deepEqual(accessCell("DENIED", "from_a_newer_relay"), {
    label: "Denied",
    byRelay: true,
    refused: true,
  });
  assert.deepEqual(accessCell("DENIED", "toString"), { label: "Denied", byRelay: true, refused: true });
});
