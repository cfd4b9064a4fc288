import assert from "node:assert/strict";
import { test } from "node:test";
import { renderToStaticMarkup } from "react-dom/server";
import type { LogRow } from "@/lib/web/tunnel-dto";
import { RequestDetails } from "./request-details";

const waiting: LogRow = {
  id: "7",
  at: "2026-12-07T12:00:00.000Z",
  method: "GET",
  path: "/slow-report",
  status: 0,
  durationMs: 0,
  bytesIn: 0,
  bytesOut: 0,
  clientIp: "203.0.113.9",
  userAgent: "curl/8.0",
  admission: "PUBLIC",
  upgrade: false,
  error: null,
  accessPage: null,
  shareLinkLabel: null,
  requestHeaders: [["Host", "shop.example.com"]],
  responseHeaders: null,
  bodiesKept: false,
  replayOf: null,
  openState: "open",
};

/** The details' terms and what each says, as text. */
function items(row: LogRow): Map<string, string> {
  const html = renderToStaticMarkup(
    <RequestDetails name="shop" row={row} publicUrl="https://shop.example.com" />,
  );
  const text = (fragment: string) => fragment.replace(/<[^>]+>/g, "").replaceAll("&#x27;", "'");
  return new Map(
    [...html.matchAll(/<dt[^>]*>(.*?)<\/dt><dd[^>]*>(.*?)<\/dd>/gs)].map((m) => [text(m[1]!), text(m[2]!)]),
  );
}

test("a request still waiting for the app's answer says so in its details, not 'still open' or a status 0", () => {
  const details = items(waiting);
  // The count itself ("12 s so far") comes in the browser, as the log's row has it.
  assert.match(details.get("When")!, /· waiting for your app's answer$/);
  assert.doesNotMatch(details.get("When")!, /still open/);
  assert.match(details.get("What happened")!, /^Waiting for your app to answer/);
  assert.equal(details.get("Response headers"), "None yet: your app has not answered.");
  assert.doesNotMatch([...details.values()].join("\n"), /\b0 answers|Status 0|answered 0/);

  // Its relay stopped while it waited: no answer was recorded.
  const lost = items({ ...waiting, openState: "unrecorded" });
  assert.match(lost.get("When")!, /· no answer was recorded$/);
  assert.equal(lost.get("Response headers"), "None: no answer was recorded.");

  // An event stream still open keeps its wording.
  const stream = items({ ...waiting, status: 200, responseHeaders: [["Content-Type", "text/event-stream"]] });
  assert.match(stream.get("When")!, /· still open$/);
  assert.match(stream.get("What happened")!, /^Your app answered 200: an event stream that is still open/);
});
