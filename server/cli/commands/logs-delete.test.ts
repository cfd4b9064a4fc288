import assert from "node:assert/strict";
import { test } from "node:test";
import { createCliSandbox, runCli } from "../testing/run-cli.ts";

const { database, env } = await createCliSandbox("cli_logs_delete");

test("logs --delete without --yes counts one request in the singular, more in the plural", async () => {
  const row = { method: "POST", path: "/pay", status: 200, durationMs: 3, clientIp: "203.0.113.9" };
  const kept = { requestBody: new Uint8Array(Buffer.from("card=4111")) };
  await database.db.requestLog.createMany({
    data: [
      { ...row, name: "qa-two", ...kept },
      { ...row, name: "qa-three", ...kept },
      { ...row, name: "qa-three", ...kept },
    ],
  });
  const cases: [string[], RegExp][] = [
    [["logs", "qa-two", "--delete", "all"], /this deletes 1 request of qa-two\. Run again with --yes/],
    [
      ["logs", "qa-two", "--delete", "bodies"],
      /this empties the bodies of 1 request with kept bodies of qa-two\. Run again/,
    ],
    [["logs", "qa-three", "--delete", "all"], /this deletes 2 requests of qa-three\. Run again/],
  ];
  for (const [args, pattern] of cases) {
    const dry = await runCli(args, { env });
    assert.equal(dry.code, 1, dry.stderr);
    assert.match(dry.stderr, pattern);
  }
  assert.equal(await database.db.requestLog.count({ where: { name: "qa-two" } }), 1, "only counted");
  const done = await runCli(["logs", "qa-two", "--delete", "all", "--yes"], { env });
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /^Deleted 1 request of qa-two$/m);
});
