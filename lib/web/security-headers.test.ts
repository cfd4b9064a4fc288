import assert from "node:assert/strict";
import { test } from "node:test";
import { transportSecurity } from "./security-headers.ts";

test("a dashboard on https asks browsers to use https only, for its own host; one on http does not", () => {
  assert.equal(transportSecurity("https://burrow.example.com"), "max-age=31536000");
  assert.equal(transportSecurity("https://example.com:8443/"), "max-age=31536000");
  assert.equal(transportSecurity("http://example.com:3000"), undefined);
  assert.equal(transportSecurity("http://localhost:3000"), undefined);
});
