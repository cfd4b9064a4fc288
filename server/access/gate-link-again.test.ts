/**
 * A visitor who already has access comes back through a share link (the same link in a chat, a
 * bookmark with the parameter still in it): the link is not opened again, whatever became of it,
 * and the visitor is sent on to the address without it.
 */
import assert from "node:assert/strict";
import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import { after, before, beforeEach, test } from "node:test";
import { createLogger } from "../../lib/logger.ts";
import { createShareLink, revokeShareLink, setAccessSettings } from "../../lib/sharing/service.ts";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import type { AccessDecision, AccessRequest } from "../http/access.ts";
import { type AccessGateHandle, createAccessGate } from "./gate.ts";
import { cookieOf, GATE_TEST_TUNNEL, header } from "./testing.ts";

const PASSWORD = "correct horse";
let database: TestDatabase;
let owner: string;
let gate: AccessGateHandle;

const tunnel = GATE_TEST_TUNNEL;

function request(
  name: string,
  path: string,
  headers: IncomingHttpHeaders = {},
  method = "GET",
): AccessRequest {
  return {
    name,
    tunnel,
    method,
    path,
    headers: { host: `${name}.tunnels.test`, accept: "text/html", ...headers },
    clientIp: "203.0.113.7",
    proto: "http",
    upgrade: false,
  };
}

const basic = (password: string) => `Basic ${Buffer.from(`:${password}`).toString("base64")}`;

/** What the visitor gets: status, where a redirect goes, the logged page and admission. */
function outcome(decision: AccessDecision) {
  return decision.action === "respond"
    ? {
        status: decision.status,
        location: header(decision, "location"),
        page: decision.page,
        admission: decision.admission,
        path: decision.path,
      }
    : { forwarded: decision.path ?? "(as sent)", admission: decision.admission };
}

async function reserve(name: string, mode: "PASSWORD" | "LINKS") {
  await database.db.reservation.create({ data: { name, userId: owner } });
  await setAccessSettings(database.db, owner, name, {
    mode,
    ...(mode === "PASSWORD" ? { password: PASSWORD } : {}),
  });
}

async function signIn(name: string): Promise<string> {
  const page = await gate.check(request(name, "/"));
  const form = /name="form" value="([^"]+)"/.exec(page.action === "respond" ? page.body.toString() : "")?.[1];
  const body = new URLSearchParams({ password: PASSWORD, next: "/", form: form ?? "" }).toString();
  const answer = await gate.check({
    ...request(
      name,
      "/__burrow/login",
      {
        origin: `http://${name}.tunnels.test`,
        "content-type": "application/x-www-form-urlencoded",
      },
      "POST",
    ),
    body: Readable.from([Buffer.from(body)]),
  });
  return cookieOf(answer);
}

async function uses(linkId: string): Promise<number> {
  return (await database.db.shareLink.findUniqueOrThrow({ where: { id: linkId } })).uses;
}

before(async () => {
  database = await createTestDatabase("accesslinkagain");
  owner = (await database.db.user.create({ data: { email: "owner@example.com", passwordHash: "x" } })).id;
});
after(() => database.drop());

beforeEach(() => {
  gate = createAccessGate({
    db: database.db,
    secret: "test-access-secret-0123456789abcdef",
    config: { BURROW_ACCESS_COOKIE_HOURS: 24 },
    logger: createLogger({ silent: true }),
  });
});

test("the cookie of a one-time link: opening the same link again leads in, not to 'used up'", async () => {
  await reserve("once", "LINKS");
  const { link, token } = await createShareLink(database.db, owner, "once", {
    label: "one visitor",
    expiry: "1d",
    maxUses: 1,
  });
  // The confirmation's post counts the one use and sets the cookie.
  const confirmed = await gate.check({
    ...request(
      "once",
      "/__burrow/share",
      { origin: "http://once.tunnels.test", "content-type": "application/x-www-form-urlencoded" },
      "POST",
    ),
    body: Readable.from([Buffer.from(new URLSearchParams({ token, next: "/doc?x=1" }).toString())]),
  });
  const cookie = cookieOf(confirmed);
  assert.equal(await uses(link.id), 1);

  const again = await gate.check(request("once", `/doc?x=1&burrow_share=${token}`, { cookie }));
  assert.deepEqual(outcome(again), {
    status: 303,
    location: "/doc?x=1",
    page: "link_not_needed",
    admission: "SHARE_LINK",
    path: "/doc?x=1",
  });
  assert.equal(header(again, "set-cookie"), undefined, "the cookie they have stays as it is");
  assert.equal(await uses(link.id), 1, "no use counted");
  const landed = await gate.check(request("once", "/doc?x=1", { cookie }));
  assert.equal(landed.action, "forward");

  // Without the cookie the link is still used up.
  const stranger = await gate.check(request("once", `/doc?burrow_share=${token}`));
  assert.equal(stranger.action === "respond" && stranger.status, 410);
});

test("in with one link, a visitor who opens another that works gets that one: revoking the first keeps them in", async () => {
  await reserve("swap", "LINKS");
  const first = await createShareLink(database.db, owner, "swap", { label: "an hour", expiry: "1h" });
  const second = await createShareLink(database.db, owner, "swap", { label: "a week", expiry: "7d" });
  const firstCookie = cookieOf(await gate.check(request("swap", `/?burrow_share=${first.token}`)));

  // The owner sends a longer link, meaning to revoke the first; the visitor opens it.
  const moved = await gate.check(
    request("swap", `/doc?burrow_share=${second.token}`, { cookie: firstCookie }),
  );
  assert.deepEqual(outcome(moved), {
    status: 303,
    location: "/doc",
    page: "link_opened",
    admission: "SHARE_LINK",
    path: "/doc",
  });
  assert.equal(moved.shareLinkId, second.link.id);
  const cookie = cookieOf(moved);
  assert.notEqual(cookie, firstCookie, "a new cookie, the second link's");
  assert.equal(await uses(second.link.id), 1);

  await revokeShareLink(database.db, owner, "swap", first.link.id);
  gate.invalidate("swap");
  const inside = await gate.check(request("swap", "/doc", { cookie }));
  assert.deepEqual(outcome(inside), { forwarded: "(as sent)", admission: "SHARE_LINK" });
  assert.equal(inside.shareLinkId, second.link.id);

  // Back through either link, the second stays theirs: the same one again, the first one revoked.
  for (const token of [second.token, first.token]) {
    const again = await gate.check(request("swap", `/?burrow_share=${token}`, { cookie }));
    assert.equal(outcome(again).page, "link_not_needed");
    assert.equal(again.shareLinkId, second.link.id);
    assert.equal(header(again, "set-cookie"), undefined);
  }
  assert.equal(await uses(second.link.id), 1, "no use counted again");
});

test("a one-time link open in two tabs: confirming it in the second, after the first, leads in", async () => {
  await reserve("two-tabs", "LINKS");
  const { link, token } = await createShareLink(database.db, owner, "two-tabs", {
    label: "one visitor",
    expiry: "1d",
    maxUses: 1,
  });
  const confirm = (cookie?: string) =>
    gate.check({
      ...request(
        "two-tabs",
        "/__burrow/share",
        {
          origin: "http://two-tabs.tunnels.test",
          "content-type": "application/x-www-form-urlencoded",
          ...(cookie ? { cookie } : {}),
        },
        "POST",
      ),
      body: Readable.from([Buffer.from(new URLSearchParams({ token, next: "/doc" }).toString())]),
    });
  const cookie = cookieOf(await confirm());
  const second = await confirm(cookie);
  assert.deepEqual(outcome(second), {
    status: 303,
    location: "/doc",
    page: "link_not_needed",
    admission: "SHARE_LINK",
    path: "/doc",
  });
  assert.equal(await uses(link.id), 1);
  const stranger = await confirm();
  assert.equal(outcome(stranger).page, "link_used_up", "without the cookie it is used up");
});

test("signed in with the password: a revoked or used-up link in the URL just goes away", async () => {
  await reserve("pw-back", "PASSWORD");
  const revoked = await createShareLink(database.db, owner, "pw-back", { label: "old", expiry: "1d" });
  await revokeShareLink(database.db, owner, "pw-back", revoked.link.id);
  const usedUp = await createShareLink(database.db, owner, "pw-back", {
    label: "x",
    expiry: "1d",
    maxUses: 1,
  });
  await database.db.shareLink.update({ where: { id: usedUp.link.id }, data: { uses: 1 } });
  const cookie = await signIn("pw-back");

  for (const token of [revoked.token, usedUp.token]) {
    const back = await gate.check(request("pw-back", `/page?burrow_share=${token}`, { cookie }));
    assert.deepEqual(outcome(back), {
      status: 303,
      location: "/page",
      page: "link_not_needed",
      admission: "PASSWORD",
      path: "/page",
    });
  }
  // A HEAD (a link checker's look) gets the same answer as the GET.
  const head = await gate.check(
    request("pw-back", `/page?burrow_share=${revoked.token}`, { cookie }, "HEAD"),
  );
  assert.equal(head.action === "respond" && head.page, "link_not_needed");
});

test("Basic auth with the right password: an unknown link in the URL is dropped, a wrong one still tries the link", async () => {
  await reserve("pw-basic", "PASSWORD");
  const right = await gate.check(
    request("pw-basic", "/echo?x=1&burrow_share=abc", { authorization: basic(PASSWORD), accept: "*/*" }),
  );
  assert.deepEqual(outcome(right), {
    status: 303,
    location: "/echo?x=1",
    page: "link_not_needed",
    admission: "PASSWORD",
    path: "/echo?x=1",
  });

  const wrong = await gate.check(
    request("pw-basic", "/echo?x=1&burrow_share=abc", { authorization: basic("nope"), accept: "*/*" }),
  );
  assert.equal(wrong.action === "respond" && wrong.page, "link_unknown");

  const { token } = await createShareLink(database.db, owner, "pw-basic", { label: "good", expiry: "1d" });
  const viaLink = await gate.check(
    request("pw-basic", `/echo?burrow_share=${token}`, { authorization: basic("nope"), accept: "*/*" }),
  );
  assert.equal(viaLink.action === "respond" && viaLink.page, "link_opened", "the link admits them");
});

test("other methods keep the parameter's old handling: taken off, never forwarded, nothing redeemed", async () => {
  await reserve("pw-post", "PASSWORD");
  const cookie = await signIn("pw-post");
  const post = await gate.check(request("pw-post", "/form?burrow_share=abc&y=2", { cookie }, "POST"));
  assert.deepEqual(outcome(post), { forwarded: "/form?y=2", admission: "PASSWORD" });
});

test("while wrong passwords are throttled, a share link alongside Basic auth is still opened", async () => {
  await reserve("pw-throttled", "PASSWORD");
  gate = createAccessGate({
    db: database.db,
    secret: "test-access-secret-0123456789abcdef",
    config: { BURROW_ACCESS_COOKIE_HOURS: 24 },
    logger: createLogger({ silent: true }),
    throttle: { perClient: 1, perName: 100, windowMs: 60_000 },
  });
  const guess = await gate.check(
    request("pw-throttled", "/", { authorization: basic("guess"), accept: "*/*" }),
  );
  assert.equal(guess.action === "respond" && guess.page, "password_wrong");
  const { token } = await createShareLink(database.db, owner, "pw-throttled", { label: "ok", expiry: "1d" });
  const viaLink = await gate.check(
    request("pw-throttled", `/?burrow_share=${token}`, { authorization: basic("guess"), accept: "*/*" }),
  );
  assert.equal(viaLink.action === "respond" && viaLink.page, "link_opened");
});
