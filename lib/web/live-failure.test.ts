import assert from "node:assert/strict";
import { test } from "node:test";
import { DATABASE_UNAVAILABLE_MESSAGE } from "../db/unavailable.ts";
import { failureOfResponse, LiveFetchError, liveFailureOf } from "./live-failure.ts";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

test("the dashboard's 503 for its database is told apart from not reaching the dashboard", async () => {
  const database = json(503, { error: { code: "unavailable", message: DATABASE_UNAVAILABLE_MESSAGE } });
  assert.equal(await failureOfResponse(database), "database");
  // A proxy's page in front of a stopped dashboard: nothing of the dashboard's answered.
  assert.equal(
    await failureOfResponse(new Response("<h1>503 Service Unavailable</h1>", { status: 503 })),
    "unreachable",
  );
  assert.equal(await failureOfResponse(new Response("Bad Gateway", { status: 502 })), "unreachable");
  assert.equal(await failureOfResponse(new Response("", { status: 504 })), "unreachable");
});

test("an error the dashboard answered is neither the database nor the network", async () => {
  assert.equal(
    await failureOfResponse(json(500, { error: { code: "internal", message: "Something went wrong" } })),
    "error",
  );
  assert.equal(
    await failureOfResponse(json(404, { error: { code: "not_found", message: "No such name" } })),
    "error",
  );
  // A 503 of the dashboard's for something else (a request cancelled while it waited its turn).
  const other = json(503, { error: { code: "unavailable", message: "The request was cancelled" } });
  assert.equal(await failureOfResponse(other), "error");
});

test("what a look threw says why: its answer, no answer at all, or an answer that was not JSON", () => {
  assert.equal(liveFailureOf(new LiveFetchError("database", 503)), "database");
  assert.equal(liveFailureOf(new TypeError("Failed to fetch")), "unreachable");
  assert.equal(liveFailureOf(new SyntaxError("Unexpected token < in JSON")), "error");
});
