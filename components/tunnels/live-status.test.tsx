import assert from "node:assert/strict";
import { test } from "node:test";
import { renderToStaticMarkup } from "react-dom/server";
import type { TunnelStatus } from "@/lib/web/tunnel-dto";
import { LiveStatus } from "./live-status";

const session = {
  startedAt: "2026-12-05T03:15:29.000Z",
  clientIp: "203.0.113.7",
  requests: 4,
  bytesIn: 7,
  bytesOut: 1900,
};

function statusText(status: TunnelStatus): string {
  return renderToStaticMarkup(<LiveStatus name="myapp" initial={status} />).replace(/<[^>]+>/g, " ");
}

test("the relay's advice about the app shows under the tunnel's status while the session has one", () => {
  const notice =
    "myapp: your app (Vite) refused the host name myapp.example.com, so visitors get its error page.";
  const shown = statusText({ online: true, lastSeenAt: null, session: { ...session, notice } });
  // The heading names the tunnel already: the ssh line's "myapp: " is left out.
  assert.ok(
    shown.includes(
      "Your app (Vite) refused the host name myapp.example.com, so visitors get its error page.",
    ),
    shown,
  );
  assert.ok(!shown.includes("myapp: "), shown);
  const quiet = statusText({ online: true, lastSeenAt: null, session: { ...session, notice: null } });
  assert.ok(!quiet.includes("refused"));
  assert.ok(quiet.includes("203.0.113.7"), "the session's facts still show");
});
