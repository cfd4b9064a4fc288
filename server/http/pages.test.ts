import assert from "node:assert/strict";
import { test } from "node:test";
import { passwordPage, signedOutPage } from "../access/pages.ts";
import { renderPage } from "./pages.ts";

test("error pages name their status; pages that are a step (2xx) do not", () => {
  assert.match(renderPage(503, "Tunnel offline", "Try again later.").body.toString(), /HTTP 503/);
  assert.match(renderPage(403, "This address is private", "Use a link.").body.toString(), /HTTP 403/);
  assert.doesNotMatch(
    renderPage(200, "Open shared address", "Someone shared it.").body.toString(),
    /HTTP 200/,
  );
});

test("the password form is a step: no status under it, even though it answers 401", () => {
  const page = passwordPage({ status: 401, next: "/", formToken: "t" });
  assert.equal(page.status, 401);
  assert.doesNotMatch(page.body.toString(), /HTTP 401/);
  assert.match(page.body.toString(), /Password required/);
});

test("the title and message are escaped", () => {
  const html = renderPage(404, "<b>x</b>", "a & <script>").body.toString();
  assert.match(html, /&lt;b&gt;x&lt;\/b&gt;/);
  assert.match(html, /a &amp; &lt;script&gt;/);
  assert.doesNotMatch(html, /<script>/);
});

test("links on the relay's pages use the brand's colour, not the browser's default blue", () => {
  const html = signedOutPage("burrow_access=; Max-Age=0").body.toString();
  assert.match(html, /<a href="\/">/);
  assert.match(html, /a\{color:#4f46e5;/);
});
