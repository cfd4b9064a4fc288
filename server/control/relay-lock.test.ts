import assert from "node:assert/strict";
import { test } from "node:test";
import { describeHolder } from "../../lib/relay-lock-holder.ts";
import { controlApplicationName, databaseLabel, RelayLockConflict } from "./relay-lock.ts";

test("the control connection's name fits PostgreSQL's 63 bytes of printable ASCII, whatever the host", () => {
  assert.equal(controlApplicationName(4242, "web-1"), "burrow-relay-control 4242@web-1");
  const long = controlApplicationName(4194304, `hôte-${"x".repeat(80)}`);
  assert.equal(long.length, 63);
  assert.match(long, /^burrow-relay-control 4194304@h\?te-x+$/);
});

test("the refusal names the holder as far as known and the database, never its user or password", () => {
  const conflict = new RelayLockConflict(
    {
      backendPid: 77,
      applicationName: "burrow-relay-control 4242@web-1",
      pid: 4242,
      host: "web-1",
      clientAddr: "10.0.0.5",
      since: new Date("2026-12-07T15:04:05.123Z"),
      silentMs: 2_000,
    },
    "postgresql://burrow:s3cret@db.example:6432/tunnels?sslmode=require",
  );
  assert.match(
    conflict.message,
    /^Another Burrow relay \(pid 4242 on web-1, connected from 10\.0\.0\.5, since 2026-12-07T15:04:05Z\) is running on the database tunnels on db\.example:6432: /,
  );
  assert.doesNotMatch(conflict.message, /s3cret|burrow:/);
  assert.equal(conflict.code, "conflict");
  // Another program's session on the key, or an older relay's name: its backend, to end by hand.
  assert.equal(
    describeHolder({ backendPid: 77, applicationName: "psql", silentMs: 40_000 }),
    "PostgreSQL backend 77, psql, silent for 40 s",
  );
  assert.equal(databaseLabel("postgres://localhost/burrow"), "burrow on localhost:5432");
});
