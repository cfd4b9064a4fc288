import assert from "node:assert/strict";
import { test } from "node:test";
import { renderToStaticMarkup } from "react-dom/server";
import type { KeyRow } from "@/lib/web/key-rows";
import { KeyList } from "./key-list";

const KEY: KeyRow = {
  id: "k1",
  label: "laptop",
  algorithm: "ssh-ed25519",
  bits: 256,
  fingerprint: "SHA256:abc",
  createdAt: "2026-12-01T10:00:00.000Z",
  lastUsedAt: "2026-12-05T10:00:00.000Z",
  connectedNames: [],
};

/** The card as text, tags dropped: what a reader sees. */
function card(key: KeyRow): string {
  const deleteAction = async () => ({ ok: true as const, data: null });
  return renderToStaticMarkup(<KeyList keys={[key]} deleteAction={deleteAction} />)
    .replace(/<[^>]+>/g, "")
    .replace(/\s+/g, " ");
}

test("a key shows when it was added and last used", () => {
  const text = card(KEY);
  assert.match(text, /Added .+ · Last used /);
  assert.doesNotMatch(text, /Connected now/);
});

test("a key connected now still shows when it was last used, and the names it has connected", () => {
  const text = card({ ...KEY, connectedNames: ["bobapp", "other"] });
  assert.match(text, /Added .+ · Last used /);
  assert.match(text, /Connected now: bobapp, other/);
});
