import assert from "node:assert/strict";
import { test } from "node:test";
import { renderToStaticMarkup } from "react-dom/server";
import { viewKeptBodies } from "@/lib/request-logs/body-view";
import { BodyPanel } from "./request-bodies";

test("a form upload's request body is shown as its parts, not as binary content", async () => {
  const form = new FormData();
  form.append("title", "<b>Holiday</b> photos");
  form.append("photo", new File([new Uint8Array(2000)], "Relevé <1>.png", { type: "image/png" }));
  const request = new Request("http://app.test/upload", { method: "POST", body: form });
  const body = Buffer.from(await request.arrayBuffer());
  const { request: view } = await viewKeptBodies({
    method: "POST",
    upgrade: false,
    status: 200,
    bytesIn: body.length,
    bytesOut: 0,
    requestHeaders: [["Content-Type", request.headers.get("content-type")!]],
    responseHeaders: null,
    requestBody: body,
    responseBody: null,
    frameTimes: null,
  });
  assert.ok(view);
  const html = renderToStaticMarkup(<BodyPanel view={view} label="Request body" downloadHref="/download" />);
  const text = html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
  assert.match(text, /title &lt;b&gt;Holiday&lt;\/b&gt; photos/, "a field's value, escaped");
  assert.match(text, /photo File Relevé &lt;1&gt;\.png · image\/png · 2\.0 kB/);
  assert.doesNotMatch(text, /Binary content/);
  assert.match(html, /aria-label="Request body parts"/);
});
