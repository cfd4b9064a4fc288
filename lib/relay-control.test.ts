import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRelayCommand } from "./relay-control.ts";

test("the relay reads each command the dashboard sends and nothing else", () => {
  for (const command of [
    { type: "disconnect", name: "app", reason: "maintenance", cause: "admin" },
    { type: "access-changed", name: "app" },
    { type: "access-changed", name: "app", keepBodies: false },
    { type: "replay", name: "app", id: "42" },
    { type: "replay-edited", name: "app", pendingId: "7" },
    { type: "checkpoint", name: "app", streamKey: "k1" },
    { type: "bodies-deleted", name: "app" },
  ]) {
    assert.deepEqual(parseRelayCommand(JSON.stringify(command)), command);
  }
  assert.equal(
    parseRelayCommand(JSON.stringify({ type: "replay", name: "app" })),
    null,
    "a replay names a row",
  );
  assert.equal(parseRelayCommand(JSON.stringify({ type: "replay", name: "app", id: 42 })), null);
  assert.equal(parseRelayCommand(JSON.stringify({ type: "replay-edited", name: "app", id: "7" })), null);
  assert.equal(parseRelayCommand(JSON.stringify({ type: "checkpoint", name: "app" })), null, "names a key");
  assert.equal(parseRelayCommand(JSON.stringify({ type: "shutdown", name: "app" })), null);
  assert.equal(parseRelayCommand(JSON.stringify({ type: "disconnect" })), null);
  assert.equal(parseRelayCommand("not json"), null);
  assert.equal(parseRelayCommand("null"), null);
});
