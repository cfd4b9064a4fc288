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

const plainView = (body: Buffer, contentType: string) =>
  viewKeptBodies({
    method: "GET",
    upgrade: false,
    status: 200,
    bytesIn: 0,
    bytesOut: body.length,
    requestHeaders: null,
    responseHeaders: [["Content-Type", contentType]],
    requestBody: null,
    responseBody: body,
    frameTimes: null,
  });

test("text in a declared charset is shown as text, not as binary content", async () => {
  // QA: text/plain; charset=iso-8859-1 read "Binary content, not shown here".
  const body = Buffer.from("Crème brûlée <b>\n", "latin1");
  const { response } = await plainView(body, "text/plain; charset=iso-8859-1");
  assert.ok(response);
  const html = renderToStaticMarkup(<BodyPanel view={response} label="Response body" downloadHref="/d" />);
  assert.match(html, /Crème brûlée &lt;b&gt;/);
  assert.doesNotMatch(html, /Binary content/);
});

test("a PNG is previewed in an <img> from a data: URL; an SVG is not", async () => {
  const png = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.alloc(16)]);
  const { response } = await plainView(png, "image/png");
  assert.ok(response);
  const html = renderToStaticMarkup(<BodyPanel view={response} label="Response body" downloadHref="/d" />);
  assert.match(html, /<img src="data:image\/png;base64,[^"]+" alt="Response body: image\/png"/);
  assert.match(html, /max-h-80 max-w-full/, "bounded");
  assert.doesNotMatch(html, /Binary content/);

  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
  const { response: svgView } = await plainView(svg, "image/svg+xml");
  assert.ok(svgView);
  const svgHtml = renderToStaticMarkup(<BodyPanel view={svgView} label="Response body" downloadHref="/d" />);
  // Its source as escaped text (an XML type), never drawn.
  assert.doesNotMatch(svgHtml, /<img|<svg/);
  assert.match(svgHtml, /&lt;svg xmlns=/);
});
