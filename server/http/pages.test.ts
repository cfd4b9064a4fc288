import assert from "node:assert/strict";
import { test } from "node:test";
import { renderPage } from "./pages.ts";

test("error pages name their status; pages that are a step (2xx) do not", () => {
  assert.match(renderPage(503, "Tunnel offline", "Try again later.").body.toString(), /HTTP 503/);
  assert.match(renderPage(403, "This address is private", "Use a link.").body.toString(), /HTTP 403/);
  assert.doesNotMatch(
    renderPage(200, "Open shared address", "Someone shared it.").body.toString(),
    /HTTP 200/,
  );
});

test("the title and message are escaped", () => {
  const html = renderPage(404, "<b>x</b>", "a & <script>").body.toString();
  assert.match(html, /&lt;b&gt;x&lt;\/b&gt;/);
  assert.match(html, /a &amp; &lt;script&gt;/);
  assert.doesNotMatch(html, /<script>/);
});
