import assert from "node:assert/strict";
import { after, test } from "node:test";
import { AppError } from "../errors.ts";
import { testBrowser } from "../testing/browser.ts";
import { createTestDatabase } from "../testing/db.ts";
import { createUser, setUserDisabled } from "./service.ts";
import {
  endOwnWebSession,
  endWebSession,
  findWebSessionUser,
  LAST_SEEN_RESOLUTION_MS,
  listWebSessions,
  startWebSession,
  WEB_SESSION_MAX_AGE_S,
} from "./web-sessions.ts";

const database = await createTestDatabase("web_sessions");
after(() => database.drop());
const { db } = database;
const password = "correct horse battery";

test("a signed-in browser is recognised until it signs out; other browsers stay signed in", async () => {
  const user = await createUser(db, { email: "browser@example.com", password });
  const laptop = await startWebSession(db, user.id, testBrowser);
  const phone = await startWebSession(db, user.id, testBrowser);
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
  const session = await startWebSession(db, a.id, testBrowser);
  assert.equal(await findWebSessionUser(db, session, b.id), null);
});

test("a session expires after its lifetime, and expired rows are cleared at the next sign-in", async () => {
  const user = await createUser(db, { email: "expiry@example.com", password });
  const start = new Date("2026-01-01T00:00:00Z");
  const session = await startWebSession(db, user.id, testBrowser, start);
  const justBefore = new Date(start.getTime() + WEB_SESSION_MAX_AGE_S * 1000 - 1);
  const atExpiry = new Date(start.getTime() + WEB_SESSION_MAX_AGE_S * 1000);
  assert.ok(await findWebSessionUser(db, session, user.id, justBefore));
  assert.equal(await findWebSessionUser(db, session, user.id, atExpiry), null);

  await startWebSession(db, user.id, testBrowser, atExpiry);
  const rows = await db.webSession.findMany({ where: { userId: user.id }, select: { id: true } });
  assert.equal(rows.length, 1, "only the new sign-in remains");
  assert.notEqual(rows[0]?.id, session);
});

test("disabling an account signs out all its browsers; re-enabling does not sign them back in", async () => {
  const admin = await db.user.findFirstOrThrow({ where: { role: "ADMIN" } });
  const user = await createUser(db, { email: "disabled@example.com", password });
  const sessions = [
    await startWebSession(db, user.id, testBrowser),
    await startWebSession(db, user.id, testBrowser),
  ];
  await setUserDisabled(db, admin.id, user.id, true);
  await setUserDisabled(db, admin.id, user.id, false);
  for (const session of sessions) assert.equal(await findWebSessionUser(db, session, user.id), null);
  assert.ok(await findWebSessionUser(db, await startWebSession(db, user.id, testBrowser), user.id));
});

test("a disabled or deleted account's session stands for nobody", async () => {
  const user = await createUser(db, { email: "gone@example.com", password });
  const session = await startWebSession(db, user.id, testBrowser);
  await db.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });
  assert.equal(await findWebSessionUser(db, session, user.id), null, "disabled");
  await db.user.update({ where: { id: user.id }, data: { disabledAt: null } });
  assert.ok(await findWebSessionUser(db, session, user.id));
  await db.user.delete({ where: { id: user.id } });
  assert.equal(await findWebSessionUser(db, session, user.id), null, "deleted");
});

test("the account page lists a user's browsers with what they sent at sign-in, capped", async () => {
  const user = await createUser(db, { email: "list@example.com", password });
  const other = await createUser(db, { email: "other-list@example.com", password });
  const start = new Date();
  const first = await startWebSession(db, user.id, testBrowser, new Date(start.getTime() - 60_000));
  const second = await startWebSession(db, user.id, { userAgent: "x".repeat(2_000), ip: null }, start);
  await startWebSession(db, other.id, testBrowser);

  const sessions = await listWebSessions(db, user.id);
  assert.deepEqual(
    sessions.map((s) => s.id),
    [second, first],
    "most recently used first; only this user's",
  );
  assert.equal(sessions[1]?.userAgent, testBrowser.userAgent);
  assert.equal(sessions[1]?.ip, "203.0.113.9");
  assert.equal(sessions[0]?.userAgent?.length, 512);
  assert.equal(sessions[0]?.ip, null);
});

test("a browser's last activity is refreshed at most every few minutes", async () => {
  const user = await createUser(db, { email: "seen@example.com", password });
  const start = new Date("2026-01-01T00:00:00Z");
  const session = await startWebSession(db, user.id, testBrowser, start);
  const lastSeen = async () =>
    (await db.webSession.findUniqueOrThrow({ where: { id: session } })).lastSeenAt.getTime();
  await findWebSessionUser(db, session, user.id, new Date(start.getTime() + LAST_SEEN_RESOLUTION_MS - 1));
  assert.equal(await lastSeen(), start.getTime(), "not written on every request");
  const later = new Date(start.getTime() + LAST_SEEN_RESOLUTION_MS);
  await findWebSessionUser(db, session, user.id, later);
  assert.equal(await lastSeen(), later.getTime());
});

test("a user signs out their own browsers only: another user's session is not found", async () => {
  const owner = await createUser(db, { email: "own@example.com", password });
  const stranger = await createUser(db, { email: "stranger@example.com", password });
  const mine = await startWebSession(db, owner.id, testBrowser);
  const theirs = await startWebSession(db, stranger.id, testBrowser);
  await assert.rejects(endOwnWebSession(db, owner.id, theirs), (error: unknown) => {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, "not_found");
    return true;
  });
  assert.ok(await findWebSessionUser(db, theirs, stranger.id), "untouched");
  await endOwnWebSession(db, owner.id, mine);
  assert.equal(await findWebSessionUser(db, mine, owner.id), null);
});
