import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createTestDatabase } from "../testing/db.ts";
import { createUser, setUserDisabled } from "./service.ts";
import { endWebSession, findWebSessionUser, startWebSession, WEB_SESSION_MAX_AGE_S } from "./web-sessions.ts";

const database = await createTestDatabase("web_sessions");
after(() => database.drop());
const { db } = database;
const password = "correct horse battery";

test("a signed-in browser is recognised until it signs out; other browsers stay signed in", async () => {
  const user = await createUser(db, { email: "browser@example.com", password });
  const laptop = await startWebSession(db, user.id);
  const phone = await startWebSession(db, user.id);
  assert.deepEqual(await findWebSessionUser(db, laptop, user.id), {
    id: user.id,
    email: "browser@example.com",
    role: user.role,
  });

  await endWebSession(db, laptop);
  assert.equal(await findWebSessionUser(db, laptop, user.id), null, "signed out");
  assert.ok(await findWebSessionUser(db, phone, user.id), "the other browser is untouched");
  await endWebSession(db, laptop); // signing out twice is not an error
});

test("a session names one user: another user's id does not match it", async () => {
  const a = await createUser(db, { email: "a@example.com", password });
  const b = await createUser(db, { email: "b@example.com", password });
  const session = await startWebSession(db, a.id);
  assert.equal(await findWebSessionUser(db, session, b.id), null);
});

test("a session expires after its lifetime, and expired rows are cleared at the next sign-in", async () => {
  const user = await createUser(db, { email: "expiry@example.com", password });
  const start = new Date("2026-01-01T00:00:00Z");
  const session = await startWebSession(db, user.id, start);
  const justBefore = new Date(start.getTime() + WEB_SESSION_MAX_AGE_S * 1000 - 1);
  const atExpiry = new Date(start.getTime() + WEB_SESSION_MAX_AGE_S * 1000);
  assert.ok(await findWebSessionUser(db, session, user.id, justBefore));
  assert.equal(await findWebSessionUser(db, session, user.id, atExpiry), null);

  await startWebSession(db, user.id, atExpiry);
  const rows = await db.webSession.findMany({ where: { userId: user.id }, select: { id: true } });
  assert.equal(rows.length, 1, "only the new sign-in remains");
  assert.notEqual(rows[0]?.id, session);
});

test("disabling an account signs out all its browsers; re-enabling does not sign them back in", async () => {
  const admin = await db.user.findFirstOrThrow({ where: { role: "ADMIN" } });
  const user = await createUser(db, { email: "disabled@example.com", password });
  const sessions = [await startWebSession(db, user.id), await startWebSession(db, user.id)];
  await setUserDisabled(db, admin.id, user.id, true);
  await setUserDisabled(db, admin.id, user.id, false);
  for (const session of sessions) assert.equal(await findWebSessionUser(db, session, user.id), null);
  assert.ok(await findWebSessionUser(db, await startWebSession(db, user.id), user.id));
});

test("a disabled or deleted account's session stands for nobody", async () => {
  const user = await createUser(db, { email: "gone@example.com", password });
  const session = await startWebSession(db, user.id);
  await db.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });
  assert.equal(await findWebSessionUser(db, session, user.id), null, "disabled");
  await db.user.update({ where: { id: user.id }, data: { disabledAt: null } });
  assert.ok(await findWebSessionUser(db, session, user.id));
  await db.user.delete({ where: { id: user.id } });
  assert.equal(await findWebSessionUser(db, session, user.id), null, "deleted");
});
