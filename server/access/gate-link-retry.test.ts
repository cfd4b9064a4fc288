import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { createDb, type Db } from "../../lib/db.ts";
import { createLogger } from "../../lib/logger.ts";
import { createConfirmationId, redeemShareLink } from "../../lib/sharing/relay-access.ts";
import { createShareLink, setAccessSettings } from "../../lib/sharing/service.ts";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import type { AccessDecision, AccessRequest } from "../http/access.ts";
import { startTcpProxy, type TcpProxy } from "../testing/tcp-proxy.ts";
import { type AccessGateHandle, createAccessGate } from "./gate.ts";
import { cookieOf, GATE_TEST_TUNNEL, header } from "./testing.ts";

/**
 * Opening a share link while the relay's database blips: the use is counted, its answer lost (a
 * connection reset), and the visitor's confirmation is sent again, by the relay or by the visitor.
 * The same confirmation counts once.
 */
/** Text of the statement that counts a use (before and after confirmations were recorded). */
const COUNTING = 'SET "uses"';

let database: TestDatabase;
let proxy: TcpProxy;
let relayDb: Db;
let gate: AccessGateHandle;
let owner: string;

before(async () => {
  database = await createTestDatabase("linkretry");
  const direct = new URL(database.url);
  proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const proxied = new URL(database.url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(proxy.port);
  relayDb = createDb(proxied.toString(), { max: 5, applicationName: "burrow-test-linkretry" });
  gate = createAccessGate({
    db: relayDb,
    secret: "test-access-secret-0123456789abcdef",
    config: { BURROW_ACCESS_COOKIE_HOURS: 24 },
    logger: createLogger({ silent: true }),
  });
  owner = (await database.db.user.create({ data: { email: "o@example.com", passwordHash: "x" } })).id;
});
after(async () => {
  gate.close();
  await relayDb.$disconnect();
  await proxy.close();
  await database.drop();
});

function request(name: string, fields: Partial<AccessRequest> = {}): AccessRequest {
  return {
    name,
    tunnel: GATE_TEST_TUNNEL,
    method: "GET",
    path: "/",
    headers: { host: `${name}.tunnels.test`, accept: "text/html" },
    clientIp: "203.0.113.7",
    proto: "http",
    upgrade: false,
    ...fields,
  };
}

/** The hidden fields of the page's form, as a browser would post them. */
function formFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)) {
    fields[name!] = value!.replaceAll("&amp;", "&");
  }
  return fields;
}

function post(name: string, fields: Record<string, string>): Promise<AccessDecision> {
  return Promise.resolve(
    gate.check(
      request(name, {
        method: "POST",
        path: "/__burrow/share",
        headers: {
          host: `${name}.tunnels.test`,
          origin: `http://${name}.tunnels.test`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: Readable.from([Buffer.from(new URLSearchParams(fields).toString())]),
      }),
    ),
  );
}

function html(decision: AccessDecision): string {
  assert.equal(decision.action, "respond");
  return decision.action === "respond" ? decision.body.toString("utf8") : "";
}

/** A links-only name with a link of `maxUses`, and the form of its confirmation page. */
async function linkToConfirm(name: string, maxUses: number) {
  await database.db.reservation.create({ data: { name, userId: owner } });
  await setAccessSettings(database.db, owner, name, { mode: "LINKS" });
  const { link, token } = await createShareLink(database.db, owner, name, {
    label: "x",
    expiry: "never",
    maxUses,
  });
  const page = await gate.check(request(name, { path: `/doc?burrow_share=${token}` }));
  assert.equal(page.action === "respond" && page.page, "link_confirm");
  const fields = formFields(html(page));
  assert.match(fields.confirmation ?? "", /^[\w-]{22}$/, "the page carries its confirmation id");
  const uses = async () => (await database.db.shareLink.findUniqueOrThrow({ where: { id: link.id } })).uses;
  return { fields, uses };
}

test("a one-time link whose counted use lost its answer: the relay's retry lets the visitor in", async () => {
  const { fields, uses } = await linkToConfirm("blip", 1);
  const lost = proxy.loseAnswer(COUNTING);
  const opened = await post("blip", fields);
  await lost;
  assert.equal(opened.action === "respond" && opened.status, 303, "in, not told the link was used up");
  assert.equal(header(opened, "location"), "/doc");
  assert.equal(opened.admission, "SHARE_LINK");
  assert.equal(await uses(), 1);
  assert.equal(
    (await gate.check(request("blip", { headers: { cookie: cookieOf(opened) } }))).admission,
    "SHARE_LINK",
  );
});

test("the database gone after counting a use: the visitor's retry of the same confirmation counts nothing more", async () => {
  const { fields, uses } = await linkToConfirm("gone", 3);
  const lost = proxy.loseAnswer(COUNTING, { cut: true });
  try {
    await assert.rejects(post("gone", fields));
    await lost;
  } finally {
    proxy.restore();
  }
  assert.equal(await uses(), 1, "the lost answer's use was counted");

  // The visitor reloads, which posts the same form again: in, counted once.
  const again = await post("gone", fields);
  assert.equal(again.action === "respond" && again.status, 303);
  assert.equal(again.admission, "SHARE_LINK");
  assert.equal(await uses(), 1);
  // Another visitor's confirmation is another use.
  const other = formFields(
    html(await gate.check(request("gone", { path: `/?burrow_share=${fields.token}` }))),
  );
  assert.notEqual(other.confirmation, fields.confirmation);
  assert.equal((await post("gone", other)).admission, "SHARE_LINK");
  assert.equal(await uses(), 2);
});

test("a confirmation admits again a link it used up, but not once revoked, nor after its cookie's lifetime", async () => {
  await database.db.reservation.create({ data: { name: "again", userId: owner } });
  const { link, token } = await createShareLink(database.db, owner, "again", {
    label: "x",
    expiry: "never",
    maxUses: 1,
  });
  const db = database.db;
  const now = new Date();
  const day = 86_400_000;
  const confirmation = createConfirmationId();
  const first = await redeemShareLink(db, "again", token, "all", { now, confirmation });
  assert.deepEqual(first, { ok: true, linkId: link.id, expiresAt: null, countedAt: now });
  const later = new Date(now.getTime() + 60_000);
  const since = new Date(later.getTime() - day);
  assert.deepEqual(
    await redeemShareLink(db, "again", token, "all", { now: later, confirmation, confirmationsSince: since }),
    { ok: true, linkId: link.id, expiresAt: null, countedAt: now },
    "the same confirmation: in, with the first answer's time (its cookie ends as the first would)",
  );
  assert.deepEqual(await redeemShareLink(db, "again", token, "all", { now: later }), {
    ok: false,
    problem: "used_up",
  });
  const nextDay = new Date(now.getTime() + day + 1);
  const stale = await redeemShareLink(db, "again", token, "all", {
    now: nextDay,
    confirmation,
    confirmationsSince: new Date(nextDay.getTime() - day),
  });
  assert.deepEqual(stale, { ok: false, problem: "used_up" }, "past the cookie's lifetime it is a new open");
  await db.shareLink.update({ where: { id: link.id }, data: { revokedAt: later } });
  assert.deepEqual(
    await redeemShareLink(db, "again", token, "all", { now: later, confirmation, confirmationsSince: since }),
    { ok: false, problem: "revoked" },
  );
  assert.equal((await db.shareLink.findUniqueOrThrow({ where: { id: link.id } })).uses, 1);
});
