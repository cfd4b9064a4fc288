import assert from "node:assert/strict";
import { test } from "node:test";
import { accessLabel } from "./access-label.ts";

test("a name's protection in a few words", () => {
  assert.equal(accessLabel("PUBLIC", 0), "Public");
  assert.equal(accessLabel("PASSWORD", 0), "Password");
  assert.equal(accessLabel("LINKS", 1), "Links only · 1 network");
  assert.equal(accessLabel("PUBLIC", 3), "Public · 3 networks");
});
