import assert from "node:assert/strict";
import { test } from "node:test";
import { CUT_NAME, type HeaderPair, LOG_HEADER_VALUE_MAX } from "./headers.ts";
import {
  hiddenHeaderNames,
  pathWasCut,
  type ReplayFacts,
  replayHeaders,
  replayProblem,
  sentence,
} from "./replay-rules.ts";
import { capLogPath, LOG_PATH_MAX } from "./row.ts";

const HEADERS: HeaderPair[] = [
  ["Host", "hook.example.com"],
  ["Content-Type", "application/json"],
  ["Content-Length", "12"],
  ["Cookie", null],
  ["X-Api-Key", null],
  ["Cookie", null],
];

const post: ReplayFacts = {
  path: "/hooks",
  upgrade: false,
  accessPage: null,
  admission: "PUBLIC",
  bytesIn: 12,
  keptBodyBytes: 12,
  requestHeaders: HEADERS,
};

test("a request kept whole can be replayed; hidden headers do not stop it", () => {
  assert.equal(replayProblem(post), null);
  const get: ReplayFacts = { ...post, bytesIn: 0, keptBodyBytes: null, requestHeaders: [["Host", "h"]] };
  assert.equal(replayProblem(get), null, "no body, none needed");
});

test("a body not kept, kept in part, or not arrived whole is a reason not to replay", () => {
  assert.match(replayProblem({ ...post, keptBodyBytes: null }) ?? "", /body was not kept/);
  assert.match(replayProblem({ ...post, keptBodyBytes: 5 }) ?? "", /only the start/);
  // The visitor left half-way: 7 of the 12 announced bytes arrived.
  assert.match(replayProblem({ ...post, bytesIn: 7, keptBodyBytes: 7 }) ?? "", /did not arrive whole/);
  // An offline tunnel never read the announced body.
  assert.match(replayProblem({ ...post, bytesIn: 0, keptBodyBytes: null }) ?? "", /body was not kept/);
  const chunked: HeaderPair[] = [
    ["Host", "h"],
    ["Transfer-Encoding", "chunked"],
  ];
  assert.equal(replayProblem({ ...post, requestHeaders: chunked, bytesIn: 30, keptBodyBytes: 30 }), null);
  assert.match(
    replayProblem({ ...post, requestHeaders: chunked, bytesIn: 0, keptBodyBytes: null }) ?? "",
    /not kept/,
  );
});

test("a replay's row, whose headers lack the framing the relay wrote, can be sent again", () => {
  // As the relay records a replay of `post` (or an edited one): Content-Length was not copied.
  const replayed: ReplayFacts = { ...post, admission: "REPLAY", requestHeaders: HEADERS.slice(0, 2) };
  assert.equal(replayProblem(replayed), null);
  assert.equal(replayProblem({ ...replayed, bytesIn: 0, keptBodyBytes: null }), null, "no body");
  assert.match(replayProblem({ ...replayed, keptBodyBytes: null }) ?? "", /body was not kept/);
  assert.match(replayProblem({ ...replayed, keptBodyBytes: 5 }) ?? "", /only the start/);
  // A visitor's request without Content-Length still declares no body.
  assert.match(replayProblem({ ...replayed, admission: "PUBLIC" }) ?? "", /did not arrive whole/);
});

test("upgrades, access pages and what the log cut are refused", () => {
  assert.match(replayProblem({ ...post, upgrade: true }) ?? "", /WebSocket/);
  assert.match(replayProblem({ ...post, accessPage: "password_asked" }) ?? "", /never saw it/);
  assert.match(replayProblem({ ...post, requestHeaders: null }) ?? "", /headers were not recorded/);
  const cutList: HeaderPair[] = [...HEADERS, [CUT_NAME, "3 more headers not kept"]];
  assert.match(replayProblem({ ...post, requestHeaders: cutList }) ?? "", /not kept whole/);
  const longValue: HeaderPair[] = [...HEADERS, ["X-Trace", `${"a".repeat(LOG_HEADER_VALUE_MAX - 1)}…`]];
  assert.match(replayProblem({ ...post, requestHeaders: longValue }) ?? "", /not kept whole/);
  const longPath = capLogPath(`/${"p".repeat(LOG_PATH_MAX * 2)}`);
  assert.match(replayProblem({ ...post, path: longPath }) ?? "", /path was too long/);
  assert.equal(replayProblem({ ...post, path: "/short…" }), null, "an ellipsis alone is not a cut");
  assert.equal(pathWasCut(longPath), true);
  assert.equal(pathWasCut("/short…"), false);
});

test("a reason reads on after a colon, and as a sentence on its own", () => {
  const reasons = [
    replayProblem({ ...post, upgrade: true }),
    replayProblem({ ...post, requestHeaders: null }),
    replayProblem({ ...post, requestHeaders: [...HEADERS, [CUT_NAME, "3 more headers not kept"]] }),
    replayProblem({ ...post, keptBodyBytes: null }),
    replayProblem({ ...post, keptBodyBytes: 5 }),
    replayProblem({ ...post, bytesIn: 7, keptBodyBytes: 7 }),
    replayProblem({ ...post, path: capLogPath(`/${"p".repeat(LOG_PATH_MAX * 2)}`) }),
  ];
  for (const reason of reasons) assert.match(reason ?? "", /^[a-z]/, `${reason} starts lower-case`);
  // A proper name keeps its capital.
  assert.match(replayProblem({ ...post, accessPage: "password_asked" }) ?? "", /^Burrow's/);
  assert.equal(sentence("its body was not kept"), "Its body was not kept");
});

test("the replay sends the kept headers in order, without hidden or framing ones", () => {
  assert.deepEqual(
    replayHeaders([
      ...HEADERS,
      ["Expect", "100-continue"],
      ["transfer-encoding", "chunked"],
      [CUT_NAME, "2 more headers not kept"],
    ]),
    ["Host", "hook.example.com", "Content-Type", "application/json"],
  );
  assert.deepEqual(hiddenHeaderNames(HEADERS), ["Cookie", "X-Api-Key"]);
  assert.deepEqual(hiddenHeaderNames(null), []);
});
