import assert from "node:assert/strict";
import { after, test } from "node:test";
import { AppError } from "../errors.ts";
import { isNameAvailable, reserveName } from "../names/service.ts";
import { finishLogDeletion } from "../request-logs/deletions.ts";
import { testBrowser } from "../testing/browser.ts";
import { createTestDatabase, holdLogRow } from "../testing/db.ts";
import { setAccountRoleByEmail } from "./operator.ts";
import { signUpSchema } from "./schemas.ts";
import {
  ACCOUNT_DISABLED,
  changePassword,
  createUser,
  deleteOwnAccount,
  deleteUser,
  getUser,
  getUserByEmail,
  listUsers,
  ownAccountDeletionBlockers,
  passwordVersion,
  resetPassword,
  setUserDisabled,
  setUserPassword,
  setUserRole,
  userDeletionBlockers,
  verifyCredentials,
} from "./service.ts";
import { findWebSessionUser, startWebSession } from "./web-sessions.ts";

const database = await createTestDatabase("users");
after(() => database.drop());
const { db } = database;
const password = "correct horse battery";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const rejects = (promise: Promise<unknown>, code: string, message?: RegExp) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  });

test("two concurrent first sign-ups produce exactly one admin", async () => {
  const [a, b] = await Promise.all([
    createUser(db, { email: "first@example.com", password }),
    createUser(db, { email: "second@example.com", password }),
  ]);
  assert.deepEqual([a.role, b.role].sort(), ["ADMIN", "USER"]);
  const third = await createUser(db, { email: "Third@Example.com ", password });
  assert.equal(third.role, "USER");
  assert.equal(third.email, "third@example.com", "emails are trimmed and lower-cased");
  assert.equal((await createUser(db, { email: "boss@example.com", password, admin: true })).role, "ADMIN");
});

test("a duplicate email is a conflict, whatever its case", async () => {
  await rejects(
    createUser(db, { email: "FIRST@example.com", password }),
    "conflict",
    /An account with this email already exists/,
  );
});

test("bad input is refused with a message for the form", async () => {
  await rejects(createUser(db, { email: "not-an-email", password }), "invalid_input", /valid email/);
  await rejects(
    createUser(db, { email: "x@example.com", password: "short" }),
    "invalid_input",
    /at least 10/,
  );
  await rejects(
    createUser(db, { email: "x@example.com", password: "p".repeat(201) }),
    "invalid_input",
    /at most 200/,
  );
  const parsed = signUpSchema.safeParse({ email: "", password: "" });
  assert.equal(parsed.success, false);
});

test("credentials: right password, wrong password, unknown email, disabled account", async () => {
  const user = await verifyCredentials(db, " First@Example.com", password);
  assert.equal(user?.email, "first@example.com");
  assert.equal(user && "passwordHash" in user, false, "the hash never leaves the service");
  assert.equal(await verifyCredentials(db, "first@example.com", "wrong password!"), null);
  assert.equal(await verifyCredentials(db, "nobody@example.com", password), null);
  assert.equal(await verifyCredentials(db, "not an email", password), null);

  const admin = (await listUsers(db)).users.find((u) => u.role === "ADMIN")!;
  const target = await getUserByEmail(db, "third@example.com");
  await setUserDisabled(db, admin.id, target.id, true);
  // Said only to someone who knows the password: a wrong one reads as for any account.
  await assert.rejects(
    verifyCredentials(db, "third@example.com", password),
    (e) => e instanceof AppError && e.code === "forbidden" && e.message === ACCOUNT_DISABLED,
  );
  assert.equal(ACCOUNT_DISABLED, "This account is disabled. Ask whoever runs this Burrow.");
  assert.equal(await verifyCredentials(db, "third@example.com", "wrong password!"), null);
  await setUserDisabled(db, admin.id, target.id, false);
  assert.equal((await verifyCredentials(db, "third@example.com", password))?.id, target.id);
});

test("admins cannot disable or demote themselves; users cannot act as admins", async () => {
  const admin = await getUserByEmail(db, "boss@example.com");
  const user = await getUserByEmail(db, "third@example.com");
  await rejects(setUserDisabled(db, admin.id, admin.id, true), "conflict", /your own account/);
  await rejects(setUserRole(db, admin.id, admin.id, "USER"), "conflict", /your own admin role/);
  await rejects(setUserRole(db, user.id, admin.id, "USER"), "forbidden");
  await rejects(setUserRole(db, admin.id, "no-such-id", "ADMIN"), "not_found");
  assert.equal((await setUserRole(db, admin.id, user.id, "ADMIN")).role, "ADMIN");
  assert.equal((await setUserRole(db, admin.id, user.id, "USER")).role, "USER");
});

test("listUsers counts names and keys; getUser hides unknown ids", async () => {
  const { users, matching, all } = await listUsers(db);
  assert.equal(users.length, 4);
  assert.deepEqual([matching, all], [4, 4]);
  assert.ok(users.every((u) => u.names === 0 && u.keys === 0));
  // A search: part of an email, any case, oldest first; LIKE's wildcards are literal; `take` caps
  // the page while `matching` still counts every match.
  const found = await listUsers(db, { search: "IRD@EX" });
  assert.deepEqual(
    [found.users.map((u) => u.email), found.matching, found.all],
    [["third@example.com"], 1, 4],
  );
  assert.deepEqual((await listUsers(db, { search: "s_cond" })).matching, 0, "_ is not a wildcard");
  assert.deepEqual((await listUsers(db, { search: "%" })).matching, 0, "% is not a wildcard");
  const capped = await listUsers(db, { search: "example", take: 2 });
  assert.deepEqual([capped.users.length, capped.matching], [2, 4]);
  await rejects(getUser(db, "nope"), "not_found");
  await rejects(getUserByEmail(db, "ghost@example.com"), "not_found", /No user with the email/);
});

test("changing a password needs the current one and signs out the user's other browsers", async () => {
  const user = await createUser(db, { email: "change@example.com", password });
  const here = await startWebSession(db, user.id, testBrowser);
  const elsewhere = await startWebSession(db, user.id, testBrowser);
  const newPassword = "a much longer passphrase";

  await rejects(
    changePassword(db, user.id, { currentPassword: "not it at all", newPassword }, here),
    "invalid_input",
  );
  await rejects(
    changePassword(db, user.id, { currentPassword: password, newPassword: "short" }, here),
    "invalid_input",
    /at least 10/,
  );
  await assert.rejects(
    changePassword(db, user.id, { currentPassword: password, newPassword: password }, here),
    (error: unknown) =>
      error instanceof AppError &&
      error.fieldErrors?.newPassword?.[0] === "That is your current password: choose a new one",
  );
  assert.ok(await verifyCredentials(db, "change@example.com", password), "nothing changed");
  assert.ok(await findWebSessionUser(db, elsewhere, user.id));

  await changePassword(db, user.id, { currentPassword: password, newPassword }, here);
  assert.equal(await verifyCredentials(db, "change@example.com", password), null);
  assert.ok(await verifyCredentials(db, "change@example.com", newPassword));
  assert.ok(await findWebSessionUser(db, here, user.id), "the browser that changed it stays in");
  assert.equal(await findWebSessionUser(db, elsewhere, user.id), null);
});

test("a wrong current password is a field error the form can show", async () => {
  const user = await createUser(db, { email: "field@example.com", password });
  await assert.rejects(
    changePassword(db, user.id, { currentPassword: "wrong password", newPassword: "another long one" }, "s"),
    (error: unknown) =>
      error instanceof AppError &&
      error.fieldErrors?.currentPassword?.[0] === "That is not your current password",
  );
});

test("resetting a password (the CLI) signs the account out everywhere", async () => {
  const user = await createUser(db, { email: "forgot@example.com", password });
  const session = await startWebSession(db, user.id, testBrowser);
  const reset = await resetPassword(db, "Forgot@Example.com", "brand new passphrase");
  assert.equal(reset.id, user.id);
  assert.ok(await verifyCredentials(db, "forgot@example.com", "brand new passphrase"));
  assert.equal(await findWebSessionUser(db, session, user.id), null);
  await rejects(resetPassword(db, "nobody@example.com", "brand new passphrase"), "not_found");
  await rejects(resetPassword(db, "forgot@example.com", "short"), "invalid_input", /at least 10/);
  assert.ok(await verifyCredentials(db, "forgot@example.com", "brand new passphrase"), "unchanged");
});

test("the password version (the sign-in throttle's key) changes whenever a password is set", async () => {
  const admin = await createUser(db, { email: "version-admin@example.com", password, admin: true });
  const user = await createUser(db, { email: "versioned@example.com", password });
  const first = await passwordVersion(db, "Versioned@Example.com");
  assert.match(first, /^[\w-]{16}$/);
  assert.equal(await passwordVersion(db, "versioned@example.com"), first, "stable while unchanged");
  await setUserPassword(db, admin.id, user.id, "given by the admin");
  const second = await passwordVersion(db, "versioned@example.com");
  assert.notEqual(second, first);
  // The same password again is still a new version: someone who set it wants the lock lifted.
  await resetPassword(db, "versioned@example.com", "given by the admin");
  assert.notEqual(await passwordVersion(db, "versioned@example.com"), second);
  assert.equal(await passwordVersion(db, "nobody@example.com"), "");
  assert.equal(await passwordVersion(db, "not an email"), "");
});

test("deleting one's own account needs the password, waits for tunnels to stop, and takes everything of theirs", async () => {
  const leaver = await createUser(db, { email: "leaver@example.com", password });
  const stayer = await createUser(db, { email: "stayer@example.com", password });
  const browser = await startWebSession(db, leaver.id, testBrowser);
  await db.sshKey.create({
    data: {
      userId: leaver.id,
      label: "laptop",
      algorithm: "ssh-ed25519",
      bits: 256,
      publicKey: "ssh-ed25519 AAAAleaver",
      fingerprint: "SHA256:leaver",
    },
  });
  const mine = await db.reservation.create({ data: { name: "leaving", userId: leaver.id } });
  await db.reservation.create({ data: { name: "staying", userId: stayer.id } });
  await db.shareLink.create({ data: { reservationId: mine.id, label: "Ana", tokenHash: "hash-leaving" } });
  const logRow = (name: string) => ({
    name,
    method: "GET",
    path: "/",
    status: 200,
    durationMs: 1,
    clientIp: "::1",
  });
  await db.requestLog.createMany({ data: [logRow("leaving"), logRow("staying")] });
  const session = await db.tunnelSession.create({
    data: { userId: leaver.id, name: "leaving", reservationId: mine.id, clientIp: "127.0.0.1" },
  });
  // A random name the leaver used once, later handed to the stayer: only the leaver's rows go.
  const randomOf = (userId: string) =>
    db.tunnelSession.create({
      data: { userId, name: "quiet-otter-42", randomName: true, clientIp: "127.0.0.1", endedAt: new Date() },
    });
  const leaverRandom = await randomOf(leaver.id);
  const stayerRandom = await randomOf(stayer.id);
  await db.requestLog.createMany({
    data: [
      { ...logRow("quiet-otter-42"), sessionId: leaverRandom.id, path: "/leaver" },
      { ...logRow("quiet-otter-42"), sessionId: stayerRandom.id, path: "/stayer" },
    ],
  });

  await rejects(deleteOwnAccount(db, leaver.id, { currentPassword: "not it at all" }), "invalid_input");
  await rejects(deleteOwnAccount(db, leaver.id, { currentPassword: "" }), "invalid_input");
  await rejects(
    deleteOwnAccount(db, leaver.id, { currentPassword: password }),
    "conflict",
    /leaving is connected right now: stop your tunnels first/,
  );
  assert.ok(await verifyCredentials(db, "leaver@example.com", password), "nothing changed");
  assert.equal(await db.requestLog.count({ where: { name: "leaving" } }), 1);

  await db.tunnelSession.update({ where: { id: session.id }, data: { endedAt: new Date() } });
  assert.deepEqual(await deleteOwnAccount(db, leaver.id, { currentPassword: password }), ["leaving"]);
  assert.equal(await verifyCredentials(db, "leaver@example.com", password), null);
  assert.equal(await findWebSessionUser(db, browser, leaver.id), null, "signed out");
  assert.equal(await db.reservation.count({ where: { name: "leaving" } }), 0, "the name is released");
  assert.equal(await db.sshKey.count({ where: { userId: leaver.id } }), 0);
  assert.equal(await db.shareLink.count({ where: { tokenHash: "hash-leaving" } }), 0);
  // The name's log goes in the background, as a release's does; nobody may take the name until then.
  assert.equal((await isNameAvailable(db, "leaving", stayer.id)).reason, "releasing");
  assert.equal((await finishLogDeletion(db, "leaving"))?.deleted, 1);
  assert.equal(await db.requestLog.count({ where: { name: "leaving" } }), 0);
  assert.deepEqual(await isNameAvailable(db, "leaving", stayer.id), { available: true });
  assert.equal(await db.tunnelSession.count({ where: { userId: leaver.id } }), 0);
  // Someone else's name and log are untouched.
  assert.equal(await db.reservation.count({ where: { name: "staying" } }), 1);
  assert.equal(await db.requestLog.count({ where: { name: "staying" } }), 1);
  // Their random-name tunnel's log went with them; the next holder of that name keeps theirs.
  const randomRows = await db.requestLog.findMany({
    where: { name: "quiet-otter-42" },
    select: { path: true },
  });
  assert.deepEqual(randomRows, [{ path: "/stayer" }]);
});

test("an admin deletes another account, not their own; only admins may; never under a live tunnel", async () => {
  const admin = await getUserByEmail(db, "boss@example.com");
  const target = await createUser(db, { email: "removed@example.com", password });
  const bystander = await createUser(db, { email: "bystander@example.com", password });
  await db.reservation.create({ data: { name: "removed-name", userId: target.id } });
  const session = await db.tunnelSession.create({
    data: { userId: target.id, name: "removed-name", clientIp: "127.0.0.1" },
  });

  // Said on the admin's list before anyone clicks Delete, in the words the refusal uses.
  assert.deepEqual(
    await userDeletionBlockers(db, [target.id, bystander.id]),
    new Map([
      [
        target.id,
        "removed-name of this account is connected right now: disable the account first, which closes its tunnels",
      ],
    ]),
  );
  await rejects(deleteUser(db, bystander.id, target.id), "forbidden");
  await rejects(deleteUser(db, admin.id, admin.id), "conflict", /from the Account page/);
  await rejects(
    deleteUser(db, admin.id, target.id),
    "conflict",
    /removed-name of this account is connected right now: disable the account first/,
  );
  assert.ok(await getUser(db, target.id), "nothing changed");

  await db.tunnelSession.update({ where: { id: session.id }, data: { endedAt: new Date() } });
  assert.deepEqual(await deleteUser(db, admin.id, target.id), ["removed-name"]);
  await rejects(getUser(db, target.id), "not_found");
  await rejects(deleteUser(db, admin.id, target.id), "not_found");
  assert.equal(await db.reservation.count({ where: { name: "removed-name" } }), 0);
});

// Last: it leaves a single admin behind.
test("the last admin cannot delete their account while others remain; with a second admin they can", async () => {
  const boss = await createUser(db, { email: "last-admin@example.com", password, admin: true });
  await db.user.updateMany({ where: { role: "ADMIN", id: { not: boss.id } }, data: { role: "USER" } });
  // Every reason at once, each connected name (a few, then how many more), not one at a time.
  await db.tunnelSession.createMany({
    data: ["boss-d", "boss-a", "boss-c", "boss-b"].map((name) => ({
      userId: boss.id,
      name,
      clientIp: "127.0.0.1",
    })),
  });
  await rejects(
    deleteOwnAccount(db, boss.id, { currentPassword: password }),
    "conflict",
    /^boss-a, boss-b, boss-c and 1 more are connected right now: stop your tunnels first, then delete your account; and you are the only admin: make another account an admin first$/,
  );
  // The Account page says both before the password is typed.
  assert.deepEqual(await ownAccountDeletionBlockers(db, boss.id), [
    "boss-a, boss-b, boss-c and 1 more are connected right now: stop your tunnels first, then delete your account",
    "You are the only admin: make another account an admin first",
  ]);
  await db.tunnelSession.updateMany({
    where: { userId: boss.id, name: { not: "boss-b" } },
    data: { endedAt: new Date() },
  });
  await rejects(
    deleteOwnAccount(db, boss.id, { currentPassword: password }),
    "conflict",
    /^boss-b is connected right now: .*; and you are the only admin/,
  );
  await db.tunnelSession.updateMany({ where: { userId: boss.id }, data: { endedAt: new Date() } });
  await rejects(
    deleteOwnAccount(db, boss.id, { currentPassword: password }),
    "conflict",
    /^You are the only admin: make another account an admin first$/,
  );
  const deputy = await createUser(db, { email: "second-admin@example.com", password });
  await setUserRole(db, boss.id, deputy.id, "ADMIN");
  assert.deepEqual(await ownAccountDeletionBlockers(db, boss.id), []);
  assert.deepEqual(await deleteOwnAccount(db, boss.id, { currentPassword: password }), []);
  await rejects(getUser(db, boss.id), "not_found");
});

test("an account whose log takes long to delete is deleted at once; its name waits for the log to go", {
  timeout: 60_000,
}, async () => {
  const admin = await createUser(db, { email: "slow-admin@example.com", password, admin: true });
  const slow = await createUser(db, { email: "slow-log@example.com", password });
  await db.reservation.create({ data: { name: "slow-log", userId: slow.id } });
  // The log's row held from another connection, as a log of millions of rows would take minutes:
  // deleting the account does not wait for it (an admin's click, a user's, behind a proxy's 60 s).
  const held = await holdLogRow(database, "slow-log");
  try {
    const deleted = await Promise.race([
      deleteUser(db, admin.id, slow.id),
      sleep(10_000).then(() => "waited"),
    ]);
    assert.deepEqual(deleted, ["slow-log"]);
    await rejects(getUser(db, slow.id), "not_found");
    const deleting = finishLogDeletion(db, "slow-log", { pollMs: 50 });
    await sleep(500);
    await rejects(reserveName(db, admin.id, "slow-log", { maxNames: 10 }), "conflict", /being released/);
    await held.release();
    assert.equal((await deleting)?.deleted, 1);
  } finally {
    await held.release();
  }
  assert.equal(await db.requestLog.count({ where: { name: "slow-log" } }), 0);
  assert.equal((await reserveName(db, admin.id, "slow-log", { maxNames: 10 })).name, "slow-log");
});

test("an admin sets another account's password: it signs them out; not their own, not as a user", async () => {
  const admin = (await listUsers(db)).users.find((u) => u.role === "ADMIN")!;
  const user = await createUser(db, { email: "lost@example.com", password });
  const session = await startWebSession(db, user.id, testBrowser);
  const set = await setUserPassword(db, admin.id, user.id, "given by the admin");
  assert.equal(set.email, "lost@example.com");
  assert.ok(await verifyCredentials(db, "lost@example.com", "given by the admin"));
  assert.equal(await verifyCredentials(db, "lost@example.com", password), null);
  assert.equal(await findWebSessionUser(db, session, user.id), null, "signed out");

  await assert.rejects(
    setUserPassword(db, admin.id, user.id, "short"),
    (error: unknown) =>
      error instanceof AppError && /at least 10/.test(error.fieldErrors?.password?.[0] ?? ""),
  );
  await rejects(setUserPassword(db, admin.id, admin.id, "another passphrase"), "conflict", /Account page/);
  await rejects(setUserPassword(db, user.id, admin.id, "another passphrase"), "forbidden");
  await rejects(setUserPassword(db, admin.id, "no-such-id", "another passphrase"), "not_found");
  assert.ok(await verifyCredentials(db, "lost@example.com", "given by the admin"), "unchanged");
  assert.ok(await verifyCredentials(db, admin.email, password), "the admin's own unchanged");
});

test("two admins demoting or disabling each other at once leave one admin, whoever runs first", async () => {
  const enabledAdmins = async (ids: string[]) =>
    db.user.count({ where: { id: { in: ids }, role: "ADMIN", disabledAt: null } });
  const created: string[] = [];
  for (const round of [1, 2, 3]) {
    const ann = await createUser(db, { email: `ann-${round}@example.com`, password, admin: true });
    const bob = await createUser(db, { email: `bob-${round}@example.com`, password, admin: true });
    created.push(ann.id, bob.id);
    const results = await Promise.allSettled([
      setUserRole(db, ann.id, bob.id, "USER"),
      round === 2 ? setUserDisabled(db, bob.id, ann.id, true) : setUserRole(db, bob.id, ann.id, "USER"),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"], `round ${round}`);
    const refused = results.find((r) => r.status === "rejected");
    assert.ok(
      refused?.reason instanceof AppError && refused.reason.code === "forbidden",
      String(refused?.reason),
    );
    assert.equal(await enabledAdmins([ann.id, bob.id]), 1, `round ${round}: one of them is still an admin`);
  }
  // The CLI (whoever runs the server) takes the same turn as the dashboard's admins.
  const cat = await createUser(db, { email: "cat@example.com", password, admin: true });
  const dan = await createUser(db, { email: "dan@example.com", password, admin: true });
  created.push(cat.id, dan.id);
  const others = await db.user.findMany({ where: { role: "ADMIN", id: { notIn: [cat.id, dan.id] } } });
  await db.user.updateMany({ where: { id: { in: others.map((u) => u.id) } }, data: { role: "USER" } });
  const mixed = await Promise.allSettled([
    setUserRole(db, dan.id, cat.id, "USER"),
    setAccountRoleByEmail(db, "dan@example.com", "USER"),
  ]);
  assert.deepEqual(mixed.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
  assert.equal(await enabledAdmins([cat.id, dan.id]), 1, "dashboard and CLI at once still leave an admin");
  await db.user.updateMany({ where: { id: { in: others.map((u) => u.id) } }, data: { role: "ADMIN" } });
  await db.user.deleteMany({ where: { id: { in: created } } });
});
