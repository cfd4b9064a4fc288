import assert from "node:assert/strict";
import { test } from "node:test";
import { REQUEST_LOG_ERRORS } from "../request-logs/row.ts";
import { errorMark } from "./error-mark.ts";

test("rows the chart counts as errors are marked as errors, whatever their status said", () => {
  // QA: these showed a green 200 in the log while the chart and the overview counted them.
  assert.deepEqual(errorMark({ status: 200, error: "upstream_aborted" }), {
    label: "Cut short",
    error: true,
  });
  assert.deepEqual(errorMark({ status: 200, error: "relay_shutdown" }), {
    label: "Relay shut down",
    error: true,
  });
  assert.deepEqual(errorMark({ status: 503, error: "tunnel_offline" }), {
    label: "Tunnel offline",
    error: true,
  });
});

test("how a request ended that is no error of the tunnel is said, not marked as an error", () => {
  // Send again of an event stream, stopped after 30 s: Burrow stopping its own replay.
  assert.deepEqual(errorMark({ status: 200, error: "replay_stopped" }), {
    label: "Replay stopped",
    error: false,
  });
  assert.deepEqual(errorMark({ status: 499, error: "client_aborted" }), {
    label: "Visitor left",
    error: false,
  });
  assert.deepEqual(errorMark({ status: 101, error: "access_revoked" }), {
    label: "Access ended",
    error: false,
  });
  // A replay the app answered 5xx still counts by its status.
  assert.equal(errorMark({ status: 504, error: "replay_stopped" })?.error, true);
});

test("a row the app answered has no mark; a code from a newer relay is shown as it is", () => {
  assert.equal(errorMark({ status: 200, error: null }), null);
  assert.equal(errorMark({ status: 500, error: null }), null);
  assert.deepEqual(errorMark({ status: 502, error: "something_new" }), {
    label: "something_new",
    error: true,
  });
});

test("every error code has a short label", () => {
  for (const error of REQUEST_LOG_ERRORS) {
    const label = errorMark({ status: 200, error })?.label ?? "";
    assert.ok(label.length > 0 && label.length <= 18 && label !== error, error);
  }
});
