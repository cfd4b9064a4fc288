import assert from "node:assert/strict";
import test from "node:test";
import { sameDatabase } from "../database.ts";

test("sameDatabase: loopback spellings, the default port and a redacted password name one database", () => {
  const running = "postgres://burrow:secret@127.0.0.1:5432/burrow";
  assert.equal(sameDatabase("postgresql://burrow@localhost/burrow", running), true);
  assert.equal(sameDatabase("postgres://burrow:***@[::1]:5432/burrow", running), true);
  assert.equal(sameDatabase("postgres://burrow@LOCALHOST:5432/burrow", running), true);
});

test("sameDatabase: another port, database, user or host is another database", () => {
  const running = "postgres://burrow@127.0.0.1:5432/burrow";
  assert.equal(sameDatabase("postgres://burrow@127.0.0.1:5433/burrow", running), false);
  assert.equal(sameDatabase("postgres://burrow@127.0.0.1:5432/other", running), false);
  assert.equal(sameDatabase("postgres://postgres@127.0.0.1:5432/burrow", running), false);
  assert.equal(sameDatabase("postgres://burrow@db.example:5432/burrow", running), false);
  assert.equal(sameDatabase("not a url", running), false);
});
