import assert from "node:assert/strict";
import { test } from "node:test";
import { carriesLoopMark } from "./tunnel-loop.ts";

const MARK = "burrow-AbC_dEf-123x";

test("a request carries its tunnel's mark in any CDN-Loop line, among other proxies' entries", () => {
  assert.ok(carriesLoopMark(["Host", "a.example", "CDN-Loop", MARK], MARK));
  assert.ok(carriesLoopMark(["cdn-loop", `cloudflare, ${MARK}`], MARK), "after another CDN");
  assert.ok(carriesLoopMark(["CDN-LOOP", `${MARK}; hops=2 , fastly`], MARK), "with parameters");
  assert.ok(
    carriesLoopMark(["CDN-Loop", "cloudflare", "Accept", "*/*", "CDN-Loop", ` ${MARK}`], MARK),
    "second line",
  );
});

test("other tunnels' marks, longer marks and other headers are not the mark", () => {
  assert.equal(carriesLoopMark([], MARK), false);
  assert.equal(carriesLoopMark(["CDN-Loop", "burrow-other"], MARK), false);
  assert.equal(carriesLoopMark(["CDN-Loop", `${MARK}x, x${MARK}`], MARK), false);
  assert.equal(carriesLoopMark(["X-CDN-Loop", MARK, "Via", MARK], MARK), false);
});
