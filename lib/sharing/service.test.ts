import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { isAppError } from "../errors.ts";
import { createTestDatabase, type TestDatabase } from "../testing/db.ts";
import {
  createShareLink,
  getAccessSettings,
  listShareLinks,
  removeShareLinks,
  revokeShareLink,
  setAccessSettings,
  setAllowedAddresses,
  setAppHost,
  shareLinkProblem,
} from "./service.ts";
import { hashShareToken } from "./tokens.ts";

let database: TestDatabase;
let owner: string;
let stranger: string;

before(async () => {
  database = await createTestDatabase("sharing");
  const { db } = database;
  owner = (await db.user.create({ data: { email: "owner@example.com", passwordHash: "x" } })).id;
  stranger = (await db.user.create({ data: { email: "stranger@example.com", passwordHash: "x" } })).id;
  await db.reservation.create({ data: { name: "demo", userId: owner } });
});
after(() => database.drop());

const code = (c: string) => (e: unknown) => isAppError(e) && e.code === c;

test("password mode needs a password, and a new password bumps the version", async () => {
  const { db } = database;
  await assert.rejects(setAccessSettings(db, owner, "demo", { mode: "PASSWORD" }), code("invalid_input"));
  await assert.rejects(
    setAccessSettings(db, owner, "demo", { mode: "PASSWORD", password: "short" }),
    code("invalid_input"),
  );
  const summary = await setAccessSettings(db, owner, "demo", { mode: "PASSWORD", password: "correct horse" });
  assert.deepEqual(summary, { mode: "PASSWORD", hasPassword: true });
  const first = await db.reservation.findUniqueOrThrow({
    where: { name: "demo" },
    omit: { passwordHash: false },
  });
  assert.match(first.passwordHash ?? "", /^\$argon2id\$/);
  await setAccessSettings(db, owner, "demo", { mode: "PASSWORD", password: "another horse" });
  const second = await db.reservation.findUniqueOrThrow({ where: { name: "demo" } });
  assert.equal(second.passwordVersion, first.passwordVersion + 1);
  await setAccessSettings(db, owner, "demo", { mode: "LINKS" });
  assert.deepEqual(await getAccessSettings(db, owner, "demo"), {
    mode: "LINKS",
    hasPassword: true,
    appHost: "VISITOR",
    allowedAddresses: [],
  });
});

test("allowed addresses: stored as written (lower case, no repeats); bad input names the entry and changes nothing", async () => {
  const { db } = database;
  const saved = await setAllowedAddresses(db, owner, "demo", {
    addresses: "203.0.113.7, 10.0.0.0/8\n2001:DB8::/32  Private\n203.0.113.7",
  });
  assert.deepEqual(saved, ["203.0.113.7", "10.0.0.0/8", "2001:db8::/32", "private"]);
  assert.deepEqual((await getAccessSettings(db, owner, "demo")).allowedAddresses, saved);
  for (const [addresses, message] of [
    ["10.0.0.0/33", /Not an address or range: 10\.0\.0\.0\/33/],
    ["203.0.113.7 office-wifi", /Not an address or range: office-wifi/],
    [Array.from({ length: 51 }, (_, i) => `10.0.0.${i}`).join(" "), /at most 50/],
  ] as const) {
    await assert.rejects(
      setAllowedAddresses(db, owner, "demo", { addresses }),
      (e: unknown) => code("invalid_input")(e) && message.test(String(e)),
    );
  }
  await assert.rejects(setAllowedAddresses(db, stranger, "demo", { addresses: "" }), code("not_found"));
  assert.deepEqual((await getAccessSettings(db, owner, "demo")).allowedAddresses, saved, "unchanged");
  assert.deepEqual(await setAllowedAddresses(db, owner, "demo", { addresses: " \n " }), []);
});

test("the Host header a name's app receives is the visitor's until set to localhost; bad input changes nothing", async () => {
  const { db } = database;
  assert.equal(await setAppHost(db, owner, "demo", { host: "LOCALHOST" }), "LOCALHOST");
  assert.equal((await getAccessSettings(db, owner, "demo")).appHost, "LOCALHOST");
  await assert.rejects(
    setAppHost(db, owner, "demo", { host: "example.org" }),
    (e: unknown) => code("invalid_input")(e) && /Choose the Host header your app receives/.test(String(e)),
  );
  await assert.rejects(setAppHost(db, stranger, "demo", { host: "VISITOR" }), code("not_found"));
  assert.equal((await getAccessSettings(db, owner, "demo")).appHost, "LOCALHOST");
  await setAppHost(db, owner, "demo", { host: "VISITOR" });
  assert.equal((await getAccessSettings(db, owner, "demo")).appHost, "VISITOR");
});

test("another user's name is not found, never revealed", async () => {
  const { db } = database;
  await assert.rejects(getAccessSettings(db, stranger, "demo"), code("not_found"));
  await assert.rejects(setAccessSettings(db, stranger, "demo", { mode: "PUBLIC" }), code("not_found"));
  await assert.rejects(
    createShareLink(db, stranger, "demo", { label: "x", expiry: "1h" }),
    code("not_found"),
  );
  await assert.rejects(listShareLinks(db, stranger, "demo"), code("not_found"));
});

test("a maximum of 0 uses is refused, not stored as a link without a limit", async () => {
  const { db } = database;
  for (const maxUses of ["0", 0, "-1"]) {
    await assert.rejects(
      createShareLink(db, owner, "demo", { label: "zero uses", expiry: "never", maxUses }),
      (e) =>
        isAppError(e) &&
        e.code === "invalid_input" &&
        e.fieldErrors?.maxUses?.[0] === "Use at least 1 (or leave empty for no limit)",
    );
  }
  assert.equal(await db.shareLink.count({ where: { label: "zero uses" } }), 0);
  const unlimited = await createShareLink(db, owner, "demo", {
    label: "no limit",
    expiry: "never",
    maxUses: "",
  });
  assert.equal(unlimited.link.maxUses, null, "left empty: no limit");
});

test("share links store only the token's hash and can be revoked", async () => {
  const { db } = database;
  const now = new Date("2026-11-21T12:00:00Z");
  const { link, token } = await createShareLink(
    db,
    owner,
    "demo",
    { label: "for Ana", expiry: "1d", maxUses: "3" },
    now,
  );
  assert.equal(link.expiresAt?.toISOString(), "2026-11-22T12:00:00.000Z");
  assert.equal(link.maxUses, 3);
  assert.equal("tokenHash" in link, false);
  const stored = await db.shareLink.findUniqueOrThrow({ where: { id: link.id } });
  assert.equal(stored.tokenHash, hashShareToken(token));
  assert.equal(JSON.stringify(await db.shareLink.findMany()).includes(token), false);

  await assert.rejects(
    createShareLink(db, owner, "demo", { label: "x", expiry: "date", expiresAt: "2020-01-01" }, now),
    code("invalid_input"),
  );
  await assert.rejects(
    createShareLink(db, owner, "demo", { label: "", expiry: "never" }, now),
    code("invalid_input"),
  );

  await assert.rejects(revokeShareLink(db, stranger, "demo", link.id), code("not_found"));
  await revokeShareLink(db, owner, "demo", link.id, now);
  const revoked = await db.shareLink.findUniqueOrThrow({ where: { id: link.id } });
  assert.equal(shareLinkProblem(revoked, now), "revoked");
  await revokeShareLink(db, owner, "demo", link.id, now); // twice is fine
  await assert.rejects(revokeShareLink(db, owner, "demo", "nope"), code("not_found"));
});

test("only links that no longer admit can be removed, one or all at once", async () => {
  const { db } = database;
  await db.reservation.create({ data: { name: "tidy", userId: owner } });
  const now = new Date("2026-11-21T12:00:00Z");
  const make = async (label: string, input: Record<string, string> = {}) =>
    (await createShareLink(db, owner, "tidy", { label, expiry: "never", ...input }, now)).link;
  const active = await make("active");
  const limited = await make("limited, uses left", { maxUses: "2" });
  const revoked = await make("revoked");
  await revokeShareLink(db, owner, "tidy", revoked.id, now);
  await make("expired", { expiry: "1h" });
  const usedUp = await make("used up", { maxUses: "1" });
  await db.shareLink.update({ where: { id: usedUp.id }, data: { uses: 1 } });
  await db.shareLink.update({ where: { id: limited.id }, data: { uses: 1 } });
  const later = new Date(now.getTime() + 2 * 3600_000);
  const labels = async () => (await listShareLinks(db, owner, "tidy")).map((l) => l.label).sort();

  await assert.rejects(
    removeShareLinks(db, owner, "tidy", { linkId: active.id }, later),
    (e: unknown) => code("conflict")(e) && /“active” still works: revoke it/.test((e as Error).message),
  );
  await assert.rejects(
    removeShareLinks(db, stranger, "tidy", { linkId: revoked.id }, later),
    code("not_found"),
  );
  await assert.rejects(removeShareLinks(db, owner, "demo", { linkId: revoked.id }, later), code("not_found"));
  assert.equal(await removeShareLinks(db, owner, "tidy", { linkId: revoked.id }, later), 1);
  assert.deepEqual(await labels(), ["active", "expired", "limited, uses left", "used up"]);

  await assert.rejects(removeShareLinks(db, stranger, "tidy", "inactive", later), code("not_found"));
  assert.equal(await removeShareLinks(db, owner, "tidy", "inactive", later), 2);
  assert.deepEqual(await labels(), ["active", "limited, uses left"]);
  assert.equal(await removeShareLinks(db, owner, "tidy", "inactive", later), 0);
});

test("link problems: expired, used up, fine", () => {
  const now = new Date("2026-11-21T12:00:00Z");
  const base = { revokedAt: null, expiresAt: null, maxUses: null, uses: 0 };
  assert.equal(shareLinkProblem(base, now), null);
  assert.equal(shareLinkProblem({ ...base, expiresAt: now }, now), "expired");
  assert.equal(shareLinkProblem({ ...base, maxUses: 2, uses: 2 }, now), "used_up");
  assert.equal(shareLinkProblem({ ...base, maxUses: 2, uses: 1 }, now), null);
});
