import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { isAppError } from "../errors.ts";
import { RELAY_CONTROL_CHANNEL } from "../relay-control.ts";
import { loadAccessState } from "../sharing/relay-access.ts";
import { createTestDatabase, type TestDatabase } from "../testing/db.ts";
import { setKeepBodies } from "./settings.ts";

let database: TestDatabase;
let owner: string;
let stranger: string;

before(async () => {
  database = await createTestDatabase("logsettings");
  const { db } = database;
  owner = (await db.user.create({ data: { email: "owner@example.com", passwordHash: "x" } })).id;
  stranger = (await db.user.create({ data: { email: "stranger@example.com", passwordHash: "x" } })).id;
  await db.reservation.create({ data: { name: "demo", userId: owner } });
});
after(() => database.drop());

const code = (c: string) => (e: unknown) => isAppError(e) && e.code === c;
const stored = async () =>
  (await database.db.reservation.findUniqueOrThrow({ where: { name: "demo" } })).keepBodies;

test("keeping bodies is off by default; the owner turns it on and off, and the relay is told each time, and which", async () => {
  const { db } = database;
  assert.equal(await stored(), false);
  const listener = new pg.Client({ connectionString: database.url });
  await listener.connect();
  const heard: string[] = [];
  listener.on("notification", (n) => heard.push(n.payload ?? ""));
  await listener.query(`LISTEN ${RELAY_CONTROL_CHANNEL}`);
  try {
    assert.equal(await setKeepBodies(db, owner, "demo", { keep: "true" }), true);
    assert.equal(await stored(), true);
    assert.equal((await loadAccessState(db, "demo", new Date(0))).keepBodies, true, "what the relay loads");
    assert.equal(await setKeepBodies(db, owner, "demo", { keep: false }), false);
    assert.equal(await stored(), false);
    for (let i = 0; i < 50 && heard.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      heard.map((p) => JSON.parse(p)),
      [
        { type: "access-changed", name: "demo", keepBodies: true },
        { type: "access-changed", name: "demo", keepBodies: false },
      ],
    );
  } finally {
    await listener.end();
  }
});

test("another user's name is not found and bad input is refused; nothing changes", async () => {
  const { db } = database;
  await assert.rejects(setKeepBodies(db, stranger, "demo", { keep: true }), code("not_found"));
  await assert.rejects(setKeepBodies(db, owner, "demo", { keep: "yes" }), code("invalid_input"));
  await assert.rejects(setKeepBodies(db, owner, "demo", {}), code("invalid_input"));
  assert.equal(await stored(), false);
});
