import assert from "node:assert/strict";
import { test } from "node:test";
import { accessCell, describeOutcome } from "./log-access.ts";

test("rows the app answered show how the visitor got in", () => {
  assert.deepEqual(accessCell("PUBLIC", null), { label: "Public", byRelay: false, refused: false });
  assert.deepEqual(accessCell("SHARE_LINK", null), { label: "Share link", byRelay: false, refused: false });
  assert.deepEqual(accessCell("DENIED", null), { label: "Denied", byRelay: false, refused: true });
});

test("Burrow's own pages are named, and only real refusals read as refused", () => {
  assert.deepEqual(accessCell("DENIED", "link_confirm"), {
    label: "Link confirmation",
    byRelay: true,
    refused: false,
  });
  assert.deepEqual(accessCell("DENIED", "password_wrong"), {
    label: "Wrong password",
    byRelay: true,
    refused: true,
  });
  assert.deepEqual(accessCell("SHARE_LINK", "link_opened"), {
    label: "Link opened",
    byRelay: true,
    refused: false,
  });
});

test("a page name this dashboard does not know falls back to the admission", () => {
  assert.deepEqual(accessCell("DENIED", "from_a_newer_relay"), {
    label: "Denied",
    byRelay: true,
    refused: true,
  });
  assert.deepEqual(accessCell("DENIED", "toString"), { label: "Denied", byRelay: true, refused: true });
});

test("the outcome says why the relay answered, and what to do where there is something to do", () => {
  const facts = { admission: "PUBLIC" as const, status: 502, accessPage: null };
  assert.match(
    describeOutcome({ ...facts, error: "local_unreachable" }),
    /nothing answered on the local port.*is your app running/,
  );
  assert.match(
    describeOutcome({ ...facts, status: 503, error: "tunnel_offline" }),
    /No ssh client was connected/,
  );
  assert.match(describeOutcome({ ...facts, status: 499, error: "client_aborted" }), /visitor went away/);
  // A visitor leaving is said, and said to be no error of the tunnel (it is not counted as one).
  assert.match(
    describeOutcome({ ...facts, status: 200, error: "client_aborted" }),
    /Not an error of your tunnel/,
  );
  assert.match(
    describeOutcome({ ...facts, status: 200, error: "relay_shutdown" }),
    /^The relay was shutting down and closed it/,
  );
  const closed = describeOutcome({ ...facts, error: "local_closed" });
  assert.match(closed, /closed it without answering/);
  assert.doesNotMatch(closed, /is your app running/, "it runs: that advice would mislead");
  assert.equal(describeOutcome({ ...facts, status: 200, error: null }), "Your app answered 200.");
});

test("an open WebSocket or event stream says it is still open, or that its end was not recorded", () => {
  const facts = { admission: "PUBLIC" as const, error: null, accessPage: null };
  assert.match(
    describeOutcome({ ...facts, status: 101, upgrade: true, openState: "open" }),
    /^Your app answered 101: a WebSocket connection that is still open\. .*bytes and messages so far are brought in/,
  );
  assert.match(
    describeOutcome({ ...facts, status: 200, upgrade: false, openState: "open" }),
    /an event stream that is still open\. .*bytes and body so far/,
  );
  assert.match(
    describeOutcome({ ...facts, status: 101, upgrade: true, openState: "unrecorded" }),
    /Its end was not recorded: the tunnel went away/,
  );
  assert.equal(
    describeOutcome({ ...facts, status: 101, upgrade: true, openState: null }),
    "Your app answered 101: a WebSocket connection, now closed.",
  );
  // An upgrade the app declined is an ordinary answer.
  assert.equal(
    describeOutcome({ ...facts, status: 426, upgrade: true, openState: null }),
    "Your app answered 426.",
  );
});

test("a request written while it waited for the app says so, and says when a relay restart lost its end", () => {
  const facts = { admission: "PUBLIC" as const, error: null, accessPage: null, status: 0, upgrade: false };
  assert.match(describeOutcome({ ...facts, openState: "open" }), /^Waiting for your app to answer:/);
  assert.match(
    describeOutcome({ ...facts, openState: "unrecorded" }),
    /^No answer was recorded: the tunnel went away \(the relay stopped or restarted\) while this request was waiting/,
  );
  assert.match(
    describeOutcome({ ...facts, status: 444, error: "stream_dropped", openState: null }),
    /held it for up to 25 seconds .* then closed the connection without an answer/,
  );
});

test("the outcome of an access page says the app never saw the request", () => {
  assert.equal(
    describeOutcome({ admission: "DENIED", status: 401, error: null, accessPage: "password_wrong" }),
    "The visitor entered a wrong password. Your app did not see this request.",
  );
  assert.equal(
    describeOutcome({ admission: "DENIED", status: 403, error: null, accessPage: "from_a_newer_relay" }),
    "Burrow answered with one of its access pages. Your app did not see this request.",
  );
  assert.equal(
    describeOutcome({ admission: "PUBLIC", status: 503, error: "from_a_newer_relay", accessPage: null }),
    "Burrow answered itself (from_a_newer_relay).",
  );
});

test("a replay's row says it was one, with what then happened", () => {
  assert.deepEqual(accessCell("REPLAY", null), { label: "Replay", byRelay: false, refused: false });
  assert.equal(
    describeOutcome({ admission: "REPLAY", status: 201, error: null, accessPage: null }),
    "Sent again from the dashboard (Replay). Your app answered 201.",
  );
  assert.equal(
    describeOutcome({ admission: "REPLAY", status: 503, error: "tunnel_busy", accessPage: null }),
    "Sent again from the dashboard (Replay). Every connection to your app stayed busy (long polls, event streams), so Burrow did not send it.",
  );
  assert.match(
    describeOutcome({ admission: "REPLAY", status: 503, error: "tunnel_offline", accessPage: null }),
    /could not send it/,
  );
  assert.match(
    describeOutcome({ admission: "REPLAY", status: 200, error: "replay_stopped", accessPage: null }),
    /^Sent again from the dashboard \(Replay\)\. Your app was still sending its answer .* after 30 seconds/,
  );
});
