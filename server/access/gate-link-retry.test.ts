import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { createDb, type Db } from "../../lib/db.ts";
import { createLogger } from "../../lib/logger.ts";
import { createConfirmationId, redeemShareLink } from "../../lib/sharing/relay-access.ts";
import { createShareLink, setAccessSettings } from "../../lib/sharing/service.ts";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import { type AccessDecision, type AccessRequest, AccessUnavailable } from "../http/access.ts";
import { startTcpProxy, type TcpProxy } from "../testing/tcp-proxy.ts";
import { type AccessGateHandle, createAccessGate } from "./gate.ts";
import { cookieOf, GATE_TEST_TUNNEL, header } from "./testing.ts";

/**
 * Opening a share link while the relay's database blips: the use is counted, its answer lost (a
 * connection reset), and the visitor's confirmation is sent again, by the relay or by the visitor
 * from the "try again" page. The same confirmation counts once; a database that does not answer
 * gets the visitor that page in seconds.
 */
const LINK_WAIT_MS = 1_500;
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
    linkWaitMs: LINK_WAIT_MS,
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

test("the database gone after counting a use: 'try again' at once; trying again counts nothing more", async () => {
  const { fields, uses } = await linkToConfirm("gone", 3);
  const lost = proxy.loseAnswer(COUNTING, { cut: true });
  let retryPage: AccessDecision | undefined;
  try {
    await assert.rejects(post("gone", fields), (error: unknown) => {
      assert.ok(error instanceof AccessUnavailable, String(error));
      assert.equal(error.path, "/__burrow/share");
      retryPage = { action: "respond", admission: "DENIED", page: "link_confirm", ...error.page! };
      return true;
    });
    await lost;
  } finally {
    proxy.restore();
  }
  assert.equal(await uses(), 1, "the lost answer's use was counted");
  const page = html(retryPage!);
  assert.equal(retryPage!.action === "respond" && retryPage!.status, 503);
  assert.equal(header(retryPage!, "retry-after"), "5");
  assert.match(page, /<h1>Try again in a moment<\/h1>/);
  assert.match(page, /does not count it a second time/);
  assert.match(page, /<form method="post" action="\/__burrow\/share">/);
  assert.deepEqual(formFields(page), fields, "the button sends the same confirmation");

  // The visitor presses "Try again" (or reloads, which posts the same form): in, counted once.
  const again = await post("gone", formFields(page));
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

test("the same confirmation sent several times at once (retries racing the first) counts one use and admits each", async () => {
  await database.db.reservation.create({ data: { name: "racing", userId: owner } });
  const { link, token } = await createShareLink(database.db, owner, "racing", {
    label: "x",
    expiry: "never",
    maxUses: 3,
  });
  const confirmation = createConfirmationId();
  const answers = await Promise.all(
    Array.from({ length: 6 }, () => redeemShareLink(database.db, "racing", token, "all", { confirmation })),
  );
  assert.deepEqual(
    answers.map((answer) => answer.ok),
    answers.map(() => true),
    JSON.stringify(answers),
  );
  assert.equal((await database.db.shareLink.findUniqueOrThrow({ where: { id: link.id } })).uses, 1);
});

test("a database that does not answer: the visitor hears 'try again' within the link's wait, not after 20 s", async () => {
  const { fields, uses } = await linkToConfirm("stall", 1);
  proxy.hang();
  const started = Date.now();
  try {
    const answer = await post("stall", fields).then(
      () => assert.fail("answered without the database"),
      (error: unknown) => error,
    );
    assert.ok(answer instanceof AccessUnavailable, String(answer));
    assert.equal(answer.page?.status, 503);
    assert.ok(Date.now() - started < LINK_WAIT_MS + 3_000, `answered after ${Date.now() - started} ms`);
    // Opening the link itself (a GET) gets the page saying a reload is the retry, and the log
    // keeps the address without the token.
    const opening = await Promise.resolve(
      gate.check(request("stall", { path: `/doc?burrow_share=${fields.token}&x=1` })),
    ).then(
      () => assert.fail("answered without the database"),
      (error: unknown) => error,
    );
    assert.ok(opening instanceof AccessUnavailable, String(opening));
    assert.equal(opening.path, "/doc?x=1");
    assert.match(opening.page?.body.toString() ?? "", /Reload this page in a moment/);
  } finally {
    proxy.restore();
  }
  const again = await post("stall", fields);
  assert.equal(again.action === "respond" && again.status, 303);
  assert.equal(await uses(), 1);
});
