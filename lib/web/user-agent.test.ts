import assert from "node:assert/strict";
import { test } from "node:test";
import { describeUserAgent, userAgentInFull } from "./user-agent.ts";

test("a browser is described by name, major version and system", () => {
  assert.equal(
    describeUserAgent(
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.73 Safari/537.36",
    ),
    "Chrome 156 on Linux",
  );
  assert.equal(
    describeUserAgent("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0"),
    "Firefox 128 on macOS",
  );
});

test("unknown or missing User-Agents are shown shortened or as unknown", () => {
  assert.equal(describeUserAgent(null), "Unknown browser");
  assert.equal(describeUserAgent(""), "Unknown browser");
  assert.equal(describeUserAgent(`<script>${"x".repeat(100)}`), `<script>${"x".repeat(51)}…`);
});

test("the User-Agent in full is shown only when its description leaves something out", () => {
  assert.equal(userAgentInFull("curl/7.88.1"), null);
  assert.equal(userAgentInFull(null), null);
  const chrome =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.73 Safari/537.36";
  assert.equal(userAgentInFull(chrome), chrome);
  const long = `tool/${"x".repeat(100)}`;
  assert.equal(userAgentInFull(long), long, "shortened in the description");
});
