import assert from "node:assert/strict";
import { test } from "node:test";
import { accessLabel, qrCaption } from "./access-label.ts";

test("a name's protection in a few words", () => {
  assert.equal(accessLabel("PUBLIC", 0), "Public");
  assert.equal(accessLabel("PASSWORD", 0), "Password");
  assert.equal(accessLabel("LINKS", 1), "Links only · 1 network");
  assert.equal(accessLabel("PUBLIC", 3), "Public · 3 networks");
});

test("the QR code's caption says what a protected name shows whoever scans it", () => {
  assert.equal(qrCaption("PUBLIC", 0), "Scan to open it on a phone.");
  assert.equal(qrCaption("PASSWORD", 0), "Scan to open it on a phone; it asks for the tunnel's password.");
  assert.match(qrCaption("LINKS", 0), /private \(Links only\): send a share link instead\.$/);
  assert.equal(qrCaption("PUBLIC", 2), "Scan to open it on a phone. Only allowed networks get in.");
});
