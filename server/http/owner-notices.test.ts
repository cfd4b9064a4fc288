import assert from "node:assert/strict";
import { test } from "node:test";
import { OwnerNotices } from "./owner-notices.ts";

/** A tunnel as notices see it: what its owner's ssh session printed. */
function owner() {
  const printed: string[] = [];
  return { printed, notify: (line: string) => void printed.push(line) };
}

function noticesWithPage() {
  const page = new Map<ReturnType<typeof owner>, string | null>();
  const notices = new OwnerNotices<ReturnType<typeof owner>>((tunnel, notice) => page.set(tunnel, notice));
  return { notices, page };
}

test("each kind is told once per tunnel, in the ssh session and on the tunnel page", () => {
  const { notices, page } = noticesWithPage();
  const a = owner();
  const b = owner();
  notices.tell(a, "host_refused", "Vite refuses the host");
  notices.tell(a, "host_refused", "Vite refuses the host");
  notices.tell(b, "host_refused", "Vite refuses the host");
  assert.deepEqual(a.printed, ["Vite refuses the host"]);
  assert.deepEqual(b.printed, ["Vite refuses the host"], "another tunnel is told on its own");
  assert.equal(page.get(a), "Vite refuses the host");
  assert.equal(notices.told(a, "host_refused"), true);
  assert.equal(notices.told(a, "loop"), false);
});

test("a solved notice leaves the page for the newest one still open, and is told again if it comes back", () => {
  const { notices, page } = noticesWithPage();
  const tunnel = owner();
  notices.tell(tunnel, "local_address", "redirects to localhost");
  notices.tell(tunnel, "host_refused", "Vite refuses the host");
  assert.equal(page.get(tunnel), "Vite refuses the host");

  notices.solved(tunnel, "host_refused");
  assert.equal(page.get(tunnel), "redirects to localhost", "the older advice still applies");
  notices.solved(tunnel, "host_refused");
  assert.equal(page.get(tunnel), "redirects to localhost", "solving twice changes nothing");

  notices.tell(tunnel, "host_refused", "Vite refuses the host");
  assert.equal(tunnel.printed.length, 3, "told again once the problem is back");
  assert.equal(page.get(tunnel), "Vite refuses the host");
  notices.solved(tunnel, "local_address");
  assert.equal(page.get(tunnel), "Vite refuses the host", "solving one not shown keeps the page as it is");
  notices.solved(tunnel, "host_refused");
  assert.equal(page.get(tunnel), null, "nothing left to say");
});
