import assert from "node:assert/strict";
import { test } from "node:test";
import { Teardown } from "./teardown.ts";

test("teardown runs steps in reverse, past a failing step and past one that hangs beyond its limit", async () => {
  const reports: string[] = [];
  const ran: string[] = [];
  const teardown = new Teardown((line) => reports.push(line));
  teardown.add("stopping the database", async () => {
    ran.push("database");
  });
  teardown.add("closing the relay", () => new Promise<void>(() => {}), 50);
  teardown.add("stopping the dashboard", async () => {
    throw new Error("already gone");
  });

  await teardown.run();
  assert.deepEqual(ran, ["database"], "the database still stops");
  assert.deepEqual(reports, [
    "stopping the dashboard failed: already gone",
    "closing the relay did not finish within 0.05 s: going on without it",
  ]);
});
