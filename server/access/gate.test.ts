import assert from "node:assert/strict";
import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import { after, before, beforeEach, test } from "node:test";
import { createDb } from "../../lib/db.ts";
import { createLogger } from "../../lib/logger.ts";
import { verifyPassword } from "../../lib/passwords.ts";
import { signAccessCookie } from "../../lib/sharing/access-cookie.ts";
import { createShareLink, revokeShareLink, setAccessSettings } from "../../lib/sharing/service.ts";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import type { AccessDecision, AccessRequest } from "../http/access.ts";
import { type AccessGateHandle, createAccessGate } from "./gate.ts";
import { cookieOf, GATE_TEST_TUNNEL, header } from "./testing.ts";

const SECRET = "test-access-secret-0123456789abcdef";
const HOUR = 3_600_000;

let database: TestDatabase;
let owner: string;
let gate: AccessGateHandle;
let clock: number;
let verifications: number;

const tunnel = GATE_TEST_TUNNEL;

function request(name: string, fields: Partial<AccessRequest> = {}): AccessRequest {
  return {
    name,
    tunnel,
    method: "GET",
    path: "/",
    headers: { host: `${name}.tunnels.test`, accept: "text/html" },
    clientIp: "203.0.113.7",
    proto: "http",
    upgrade: false,
    ...fields,
  };
}

function withHeaders(name: string, headers: IncomingHttpHeaders, fields: Partial<AccessRequest> = {}) {
  return request(name, {
    ...fields,
    headers: { host: `${name}.tunnels.test`, accept: "text/html", ...headers },
  });
}

const basic = (password: string) => `Basic ${Buffer.from(`anyone:${password}`).toString("base64")}`;

function bodyText(decision: AccessDecision): string {
  assert.equal(decision.action, "respond");
  return decision.action === "respond" ? decision.body.toString("utf8") : "";
}

function formTokenOf(decision: AccessDecision): string {
  const match = /name="form" value="([^"]+)"/.exec(bodyText(decision));
  assert.ok(match, "the page carries a form token");
  return match[1]!;
}

/** Posts the password form like a browser on the tunnel's own page would. */
function postLogin(
  name: string,
  fields: Record<string, string>,
  headers: IncomingHttpHeaders = {},
  extra: Partial<AccessRequest> = {},
): Promise<AccessDecision> {
  return postForm(name, "/__burrow/login", fields, headers, extra);
}

/** Posts a share link's confirmation form like a browser on the tunnel's own page would. */
function postShare(
  name: string,
  fields: Record<string, string>,
  headers: IncomingHttpHeaders = {},
): Promise<AccessDecision> {
  return postForm(name, "/__burrow/share", fields, headers);
}

async function postForm(
  name: string,
  path: string,
  fields: Record<string, string>,
  headers: IncomingHttpHeaders,
  extra: Partial<AccessRequest> = {},
): Promise<AccessDecision> {
  const body = new URLSearchParams(fields).toString();
  return gate.check(
    request(name, {
      method: "POST",
      path,
      headers: {
        host: `${name}.tunnels.test`,
        origin: `${extra.proto ?? "http"}://${name}.tunnels.test`,
        "content-type": "application/x-www-form-urlencoded",
        ...headers,
      },
      body: Readable.from([Buffer.from(body)]),
      ...extra,
    }),
  );
}

/** The access page the request log records for a decision (null when it goes to the app). */
function pageOf(decision: AccessDecision): string | null {
  return decision.action === "respond" ? decision.page : null;
}

async function signIn(name: string, password: string, next = "/"): Promise<AccessDecision> {
  const page = await gate.check(request(name, { path: next }));
  return postLogin(name, { password, next, form: formTokenOf(page) });
}

async function reserve(name: string, mode: "PUBLIC" | "PASSWORD" | "LINKS", password?: string) {
  await database.db.reservation.create({ data: { name, userId: owner } });
  await setAccessSettings(database.db, owner, name, { mode, ...(password ? { password } : {}) });
}

before(async () => {
  database = await createTestDatabase("accessgate");
  owner = (await database.db.user.create({ data: { email: "owner@example.com", passwordHash: "x" } })).id;
});
after(() => database.drop());

beforeEach(() => {
  clock = Date.now();
  verifications = 0;
  gate = createAccessGate({
    db: database.db,
    secret: SECRET,
    config: { BURROW_ACCESS_COOKIE_HOURS: 24 },
    logger: createLogger({ silent: true }),
    now: () => clock,
    verifyPassword: (hash, password) => {
      verifications += 1;
      return verifyPassword(hash, password);
    },
  });
});

test("public names pass; the share parameter and Burrow's cookie are removed on the way", async () => {
  await reserve("pub", "PUBLIC");
  assert.deepEqual(await gate.check(request("pub")), { action: "forward", admission: "PUBLIC" });
  const cached = gate.check(request("pub", { path: "/x?a=1&burrow_share=zzz&b=2" }));
  assert.equal(cached instanceof Promise, false, "decided synchronously once the state is cached");
  assert.deepEqual(cached, { action: "forward", admission: "PUBLIC", path: "/x?a=1&b=2" });
  assert.deepEqual(gate.check(withHeaders("pub", { cookie: "app=1; burrow_access=whatever" })), {
    action: "forward",
    admission: "PUBLIC",
    edits: { dropCookies: ["burrow_access"] },
  });
  const basicForApp = gate.check(withHeaders("pub", { authorization: basic("app's own") }));
  assert.deepEqual(basicForApp, { action: "forward", admission: "PUBLIC" }, "Authorization is the app's");
  assert.equal(verifications, 0);
});

test("unreserved (random) names are public", async () => {
  assert.deepEqual(await gate.check(request("random-name-42")), { action: "forward", admission: "PUBLIC" });
});

test("the reserved prefix never reaches the app, whatever the mode", async () => {
  const decision = await gate.check(request("pub2", { path: "/__burrow/anything" }));
  assert.equal(decision.action, "respond");
  assert.equal(decision.action === "respond" && decision.status, 404);
  assert.equal(pageOf(decision), "not_found");
});

test("password names show the relay's page, escaped, and nothing reaches the app", async () => {
  await reserve("pw", "PASSWORD", "correct horse");
  const decision = await gate.check(request("pw", { path: `/a?q="><script>alert(1)</script>` }));
  assert.equal(decision.action, "respond");
  if (decision.action !== "respond") return;
  assert.equal(decision.status, 401);
  assert.equal(decision.admission, "DENIED");
  assert.equal(decision.page, "password_asked", "the log says the password was asked for");
  const html = decision.body.toString();
  assert.match(html, /<form method="post" action="\/__burrow\/login">/);
  assert.match(html, /name="next" value="\/a\?q=&quot;&gt;&lt;script&gt;/);
  assert.doesNotMatch(html, /<script>alert/);
  assert.equal(html.match(/<script>/g)?.length, 1, "the relay's own script (by hash), nothing else");
  assert.doesNotMatch(html, /owner@example\.com/);
  assert.equal(decision.headers["cache-control"], "no-store");
  assert.equal(decision.headers["www-authenticate"], undefined, "no browser dialog over the page");
});

test("upgrades, event streams and scripts without access get a plain 401, never the page", async () => {
  await reserve("pw-plain", "PASSWORD", "correct horse");
  for (const fields of [
    { upgrade: true },
    { headers: { host: "pw-plain.tunnels.test", accept: "text/event-stream" } },
    { method: "POST" },
    // wget, Python's urllib: a GET that sends the password only once challenged.
    { headers: { host: "pw-plain.tunnels.test", accept: "*/*" } },
    { method: "HEAD", headers: { host: "pw-plain.tunnels.test" } },
  ]) {
    const decision = await gate.check(request("pw-plain", fields));
    assert.equal(decision.action === "respond" && decision.status, 401);
    assert.equal(header(decision, "content-type"), "text/plain; charset=utf-8");
    assert.match(header(decision, "www-authenticate") ?? "", /^Basic /);
    assert.equal(decision.admission, "DENIED");
    assert.equal(pageOf(decision), "password_asked");
  }
});

test("a right password sets a host-only cookie and redirects back; the cookie then admits", async () => {
  await reserve("login", "PASSWORD", "correct horse");
  const wrong = await signIn("login", "wrong horse", "/deep/page?x=1");
  // POST-redirect-GET: Back or a reload of the page saying so never posts the password again.
  assert.equal(wrong.action === "respond" && wrong.status, 303);
  const landing = header(wrong, "location") ?? "";
  assert.equal(landing, "/__burrow/login?next=%2Fdeep%2Fpage%3Fx%3D1&said=wrong");
  assert.doesNotMatch(landing, /horse/, "the password is not in the address");
  assert.equal(header(wrong, "set-cookie"), undefined);
  assert.equal(pageOf(wrong), "password_wrong");
  const told = await gate.check(request("login", { path: landing }));
  assert.equal(told.action === "respond" && told.status, 401);
  assert.match(bodyText(told), /role="alert" id="password-error">That password is not right\./);
  assert.match(bodyText(told), /name="next" value="\/deep\/page\?x=1"/, "the target survives a retry");
  const made = await gate.check(request("login", { path: "/__burrow/login?next=/&said=%3Cb%3E" }));
  assert.doesNotMatch(bodyText(made), /role="alert"|&lt;b/, "an address cannot make the page say anything");
  const empty = await signIn("login", "", "/");
  assert.equal(header(empty, "location"), "/__burrow/login?next=%2F&said=empty");

  const right = await signIn("login", "correct horse", "/deep/page?x=1");
  assert.equal(right.action === "respond" && right.status, 303);
  assert.equal(right.admission, "PASSWORD");
  assert.equal(pageOf(right), "signed_in");
  assert.equal(header(right, "location"), "/deep/page?x=1");
  const setCookie = header(right, "set-cookie") ?? "";
  assert.match(setCookie, /^burrow_access=[^;]+; Path=\/; Max-Age=86400; HttpOnly; SameSite=Lax$/);
  assert.doesNotMatch(setCookie, /Domain=/i);

  const admitted = gate.check(withHeaders("login", { cookie: `theme=dark; ${cookieOf(right)}` }));
  assert.deepEqual(admitted, {
    action: "forward",
    admission: "PASSWORD",
    edits: { dropCookies: ["burrow_access"] },
  });
  assert.equal(gate.check(withHeaders("other-name", { cookie: cookieOf(right) })) instanceof Promise, true);
  const elsewhere = await gate.check(withHeaders("other-name", { cookie: cookieOf(right) }));
  assert.equal(elsewhere.admission, "PUBLIC", "the cookie means nothing for another name (public here)");
});

test("over HTTPS the cookie is Secure", async () => {
  await reserve("secure", "PASSWORD", "correct horse");
  const page = await gate.check(request("secure", { proto: "https" }));
  const right = await postLogin(
    "secure",
    { password: "correct horse", next: "/", form: formTokenOf(page) },
    {},
    { proto: "https" },
  );
  assert.match(header(right, "set-cookie") ?? "", /; Secure$/);
});

test("sign-in redirects stay on the host; cross-site posts and stale forms are refused", async () => {
  await reserve("csrf", "PASSWORD", "correct horse");
  const form = formTokenOf(await gate.check(request("csrf")));
  const open = await postLogin("csrf", { password: "correct horse", next: "//evil.example/x", form });
  assertSameHost(header(open, "location"), "//evil.example/x");
  const slashes = await postLogin("csrf", { password: "correct horse", next: "/\\evil.example/x", form });
  assert.equal(header(slashes, "location"), "/");

  const cross = await postLogin(
    "csrf",
    { password: "correct horse", next: "/", form },
    { origin: "http://evil.example" },
  );
  assert.equal(cross.action === "respond" && cross.status, 403);
  assert.equal(header(cross, "set-cookie"), undefined);
  assert.equal(pageOf(cross), "form_rejected");

  const noToken = await postLogin("csrf", { password: "correct horse", next: "/" }, { origin: undefined });
  assert.equal(noToken.action === "respond" && noToken.status, 303, "to the form, with a token");
  assert.equal(pageOf(noToken), "form_expired");
  clock += 2 * HOUR;
  // A page left open for hours: its own post (Origin this host) still signs in with the password.
  const later = await postLogin("csrf", { password: "correct horse", next: "/later", form });
  assert.equal(header(later, "location"), "/later");
  assert.ok(header(later, "set-cookie"));
  // Without Origin or Referer only the token vouches for the post: it holds for an hour.
  const stale = await postLogin(
    "csrf",
    { password: "correct horse", next: "/", form },
    { origin: undefined },
  );
  assert.equal(stale.action === "respond" && stale.status, 303);
  assert.equal(header(stale, "location"), "/__burrow/login?next=%2F&said=expired");
  const again = await gate.check(request("csrf", { path: header(stale, "location") }));
  assert.match(bodyText(again), /open for too long/);
  assert.equal(pageOf(stale), "form_expired", "not logged as a wrong password: it was not a guess");
  clock += 8 * 24 * HOUR;
  const weekOld = await postLogin("csrf", { password: "correct horse", next: "/", form });
  assert.equal(pageOf(weekOld), "form_expired", "a week on, even its own page asks again");

  const notForm = await gate.check(
    request("csrf", {
      method: "POST",
      path: "/__burrow/login",
      headers: { host: "csrf.tunnels.test", "content-type": "application/json" },
      body: Readable.from([Buffer.from("{}")]),
    }),
  );
  assert.equal(notForm.action === "respond" && notForm.status, 400);
  assert.equal(pageOf(notForm), "form_rejected");
});

test("changing the password signs everyone out", async () => {
  await reserve("rotate", "PASSWORD", "first password");
  const cookie = cookieOf(await signIn("rotate", "first password"));
  assert.equal((await gate.check(withHeaders("rotate", { cookie }))).admission, "PASSWORD");
  await setAccessSettings(database.db, owner, "rotate", { mode: "PASSWORD", password: "second password" });
  gate.invalidate("rotate");
  const out = await gate.check(withHeaders("rotate", { cookie }));
  assert.equal(out.action === "respond" && out.status, 401);
  assert.match(bodyText(out), /signed out/);
  assert.match(
    header(out, "set-cookie") ?? "",
    /^burrow_access=; Path=\/; Max-Age=0;/,
    "the stale cookie is cleared",
  );
});

test("a name released and reserved again (by someone else) does not let the old visitors in", async () => {
  await reserve("handed-on", "PASSWORD", "old owner's password");
  const cookie = cookieOf(await signIn("handed-on", "old owner's password"));
  assert.equal((await gate.check(withHeaders("handed-on", { cookie }))).admission, "PASSWORD");
  // Signed before cookies named their reservation: the same payload without it.
  const legacy = (issuedAt: number) =>
    `burrow_access=${signAccessCookie(SECRET, {
      kind: "password",
      name: "handed-on",
      reservationId: null,
      passwordVersion: 1,
      expiresAt: Math.floor(issuedAt / 1000) + 24 * 3_600,
    })}`;
  const legacyBefore = legacy(clock);

  await database.db.reservation.delete({ where: { name: "handed-on" } });
  const other = await database.db.user.create({ data: { email: "next@example.com", passwordHash: "x" } });
  clock += 60_000;
  await database.db.reservation.create({
    data: { name: "handed-on", userId: other.id, createdAt: new Date(clock) },
  });
  // The new owner's first password is version 1 again, as the old owner's was.
  await setAccessSettings(database.db, other.id, "handed-on", { mode: "PASSWORD", password: "new owner's" });
  gate.invalidate("handed-on");

  for (const stale of [cookie, legacyBefore]) {
    const refused = await gate.check(withHeaders("handed-on", { cookie: stale }));
    assert.equal(refused.admission, "DENIED");
    assert.equal(pageOf(refused), "password_asked");
  }
  clock += 1_000;
  assert.equal(
    (await gate.check(withHeaders("handed-on", { cookie: legacy(clock) }))).admission,
    "PASSWORD",
    "an old-format cookie signed since the new reservation still admits",
  );
  const fresh = cookieOf(await signIn("handed-on", "new owner's"));
  assert.equal((await gate.check(withHeaders("handed-on", { cookie: fresh }))).admission, "PASSWORD");
});

test("a forged or expired cookie does not admit", async () => {
  await reserve("forged", "PASSWORD", "correct horse");
  const forged = signAccessCookie("not the relay's secret", {
    kind: "password",
    name: "forged",
    reservationId: null,
    passwordVersion: 1,
    expiresAt: Math.floor(clock / 1000) + 3600,
  });
  assert.equal(
    (await gate.check(withHeaders("forged", { cookie: `burrow_access=${forged}` }))).admission,
    "DENIED",
  );
  const cookie = cookieOf(await signIn("forged", "correct horse"));
  clock += 25 * HOUR;
  gate.invalidate("forged");
  assert.equal((await gate.check(withHeaders("forged", { cookie }))).admission, "DENIED");
});

test("Basic auth with the tunnel password admits and is removed; the app's own is kept", async () => {
  await reserve("basic", "PASSWORD", "correct horse");
  const right = await gate.check(withHeaders("basic", { authorization: basic("correct horse") }));
  assert.deepEqual(right, { action: "forward", admission: "PASSWORD", edits: { dropAuthorization: true } });
  const again = await gate.check(withHeaders("basic", { authorization: basic("correct horse") }));
  assert.equal(again.admission, "PASSWORD");
  assert.equal(verifications, 1, "argon2 runs once for a repeated right password");

  const wrong = await gate.check(withHeaders("basic", { authorization: basic("nope") }));
  assert.equal(wrong.action === "respond" && wrong.status, 401);
  assert.match(header(wrong, "www-authenticate") ?? "", /^Basic realm=/);

  const cookie = cookieOf(await signIn("basic", "correct horse"));
  const both = gate.check(withHeaders("basic", { cookie, authorization: "Basic YXBwOmFwcA==" }));
  assert.deepEqual(
    both,
    { action: "forward", admission: "PASSWORD", edits: { dropCookies: ["burrow_access"] } },
    "with a valid cookie, Authorization belongs to the app and is kept",
  );
});

test("wrong passwords are throttled per client and name, before any verification", async () => {
  await reserve("throttle", "PASSWORD", "correct horse");
  for (let i = 0; i < 10; i++) {
    const wrong = await gate.check(withHeaders("throttle", { authorization: basic(`guess ${i}`) }));
    assert.equal(wrong.action === "respond" && wrong.status, 401);
    assert.equal(pageOf(wrong), "password_wrong");
  }
  const before = verifications;
  const limited = await gate.check(withHeaders("throttle", { authorization: basic("correct horse") }));
  assert.equal(limited.action === "respond" && limited.status, 429);
  assert.equal(Number(header(limited, "retry-after")) > 0, true);
  assert.equal(verifications, before, "nothing verified while throttled");
  assert.equal(pageOf(limited), "too_many_attempts");
  const post = await signIn("throttle", "correct horse", "/deep");
  // The form is throttled too, and sent on to the login page (POST-redirect-GET) like a wrong
  // password: a reload of the page saying so must not offer to post the form again.
  assert.equal(post.action === "respond" && post.status, 303, "the form's post is answered with a redirect");
  assert.equal(pageOf(post), "too_many_attempts");
  assert.equal(verifications, before, "nothing verified while throttled");
  const landing = header(post, "location") ?? "";
  assert.equal(landing, "/__burrow/login?next=%2Fdeep&said=throttled");
  for (const reload of [1, 2]) {
    const page = await gate.check(request("throttle", { path: landing }));
    assert.equal(page.action === "respond" && page.status, 429, `the page, reload ${reload}`);
    assert.match(bodyText(page), /Too many attempts/);
    assert.match(bodyText(page), /Try again in a minute\./, "it says how long to wait");
    assert.equal(Number(header(page, "retry-after")) > 0, true);
    assert.equal(pageOf(page), "too_many_attempts");
  }

  const otherClient = await gate.check(
    withHeaders("throttle", { authorization: basic("correct horse") }, { clientIp: "198.51.100.1" }),
  );
  assert.equal(otherClient.admission, "PASSWORD", "another client is not affected");
  clock += 61_000;
  const again = await gate.check(request("throttle", { path: landing }));
  assert.equal(again.action === "respond" && again.status, 401, "the wait over, the page is the form again");
  assert.match(bodyText(again), /You may try the password again\./);
  assert.match(bodyText(again), /name="next" value="\/deep"/);
  const later = await gate.check(withHeaders("throttle", { authorization: basic("correct horse") }));
  assert.equal(later.admission, "PASSWORD", "the window passes");
});

test("parallel guesses cannot slip past the limit, and many clients hit the per-name ceiling", async () => {
  gate = createAccessGate({
    db: database.db,
    secret: SECRET,
    config: { BURROW_ACCESS_COOKIE_HOURS: 24 },
    logger: createLogger({ silent: true }),
    throttle: { perClient: 10, perName: 20, windowMs: 60_000 },
  });
  await reserve("ceiling", "PASSWORD", "correct horse");
  const burst = await Promise.all(
    Array.from({ length: 15 }, (_, i) =>
      gate.check(withHeaders("ceiling", { authorization: basic(`burst ${i}`) })),
    ),
  );
  assert.equal(burst.filter((d) => d.action === "respond" && d.status === 429).length, 5);
  const many = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      gate.check(withHeaders("ceiling", { authorization: basic("x") }, { clientIp: `192.0.2.${i}` })),
    ),
  );
  assert.equal(many.filter((d) => d.action === "respond" && d.status === 429).length, 2);
});

test("a class behind one address typing the right password at once all get in", async () => {
  await reserve("classroom", "PASSWORD", "correct horse");
  const page = await gate.check(request("classroom"));
  const form = formTokenOf(page);
  // 30 students behind the school's NAT, more than the 10 guesses one address may make a minute.
  const students = await Promise.all(
    Array.from({ length: 30 }, () => postLogin("classroom", { password: "correct horse", next: "/", form })),
  );
  assert.deepEqual(
    students.map((d) => pageOf(d)),
    Array(30).fill("signed_in"),
  );
  // A burst of guesses from one address is still cut at the limit, however parallel.
  const guesses = await Promise.all(
    Array.from({ length: 15 }, (_, i) =>
      postLogin("classroom", { password: `guess ${i}`, next: "/", form }, {}, { clientIp: "192.0.2.77" }),
    ),
  );
  assert.equal(guesses.filter((d) => pageOf(d) === "password_wrong").length, 10);
  assert.equal(guesses.filter((d) => pageOf(d) === "too_many_attempts").length, 5);
});

test("guesses from many addresses do not lock out an address that gave the right password before", async () => {
  gate = createAccessGate({
    db: database.db,
    secret: SECRET,
    config: { BURROW_ACCESS_COOKIE_HOURS: 24 },
    logger: createLogger({ silent: true }),
    throttle: { perClient: 10, perName: 20, windowMs: 60_000 },
    now: () => clock,
  });
  await reserve("besieged", "PASSWORD", "correct horse");
  const webhook = { clientIp: "198.51.100.80" };
  const hook = () => gate.check(withHeaders("besieged", { authorization: basic("correct horse") }, webhook));
  assert.equal((await hook()).admission, "PASSWORD");
  // Then someone guesses from 30 addresses, past the name's ceiling.
  await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      gate.check(
        withHeaders("besieged", { authorization: basic(`guess ${i}`) }, { clientIp: `192.0.2.${i}` }),
      ),
    ),
  );
  const stranger = await gate.check(
    withHeaders("besieged", { authorization: basic("correct horse") }, { clientIp: "203.0.113.99" }),
  );
  assert.equal(stranger.action === "respond" && stranger.status, 429, "a new address waits out the siege");
  assert.equal(pageOf(stranger), "too_many_attempts");
  assert.equal((await hook()).admission, "PASSWORD", "the webhook's address goes on getting in");
  const form = await postLogin(
    "besieged",
    { password: "correct horse", next: "/", form: formTokenOf(await gate.check(request("besieged"))) },
    {},
    webhook,
  );
  assert.equal(form.admission, "PASSWORD", "so does a browser signing in from there");
  // Still held to its own limit: guessing from that address stops after ten.
  const guesses = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      gate.check(withHeaders("besieged", { authorization: basic(`mine ${i}`) }, webhook)),
    ),
  );
  assert.equal(guesses.filter((d) => pageOf(d) === "too_many_attempts").length, 2);
});

test("a share link sets the cookie and redirects to the clean URL; it counts its uses", async () => {
  await reserve("links", "LINKS");
  const { link, token } = await createShareLink(
    database.db,
    owner,
    "links",
    { label: "Ana", expiry: "1d" },
    new Date(clock),
  );
  const denied = await gate.check(request("links"));
  assert.equal(denied.action === "respond" && denied.status, 403);
  assert.match(bodyText(denied), /share link/);

  const opened = await gate.check(request("links", { path: `/demo?a=1&burrow_share=${token}&b=2` }));
  assert.equal(opened.action === "respond" && opened.status, 303);
  assert.equal(header(opened, "location"), "/demo?a=1&b=2");
  assert.equal(opened.admission, "SHARE_LINK");
  assert.equal(opened.shareLinkId, link.id);
  assert.equal(
    opened.action === "respond" && opened.path,
    "/demo?a=1&b=2",
    "the token never reaches the log",
  );
  assert.match(header(opened, "set-cookie") ?? "", /Max-Age=86400; HttpOnly; SameSite=Lax$/);
  const stored = await database.db.shareLink.findUniqueOrThrow({ where: { id: link.id } });
  assert.equal(stored.uses, 1);
  assert.equal(stored.lastUsedAt?.getTime(), clock);

  const cookie = cookieOf(opened);
  assert.deepEqual(await gate.check(withHeaders("links", { cookie })), {
    action: "forward",
    admission: "SHARE_LINK",
    shareLinkId: link.id,
    edits: { dropCookies: ["burrow_access"] },
  });
  const basicTry = await gate.check(withHeaders("links", { authorization: basic("anything") }));
  assert.equal(basicTry.admission, "DENIED", "links-only names take no password");
});

test("a share link opened on a path starting with // sends the visitor back to that path on this host", async () => {
  await reserve("slashes", "LINKS");
  const { token } = await createShareLink(
    database.db,
    owner,
    "slashes",
    { label: "x", expiry: "1d" },
    new Date(clock),
  );
  const opened = await gate.check(request("slashes", { path: `//evil.example/x?burrow_share=${token}` }));
  assert.equal(opened.action === "respond" && opened.status, 303);
  assertSameHost(header(opened, "location"), "//evil.example/x");
  const again = await gate.check(
    withHeaders("slashes", { cookie: cookieOf(opened) }, { path: `//evil.example/y?burrow_share=${token}` }),
  );
  assert.equal(again.action === "respond" && again.status, 303, "already in: the link is only taken off");
  assertSameHost(header(again, "location"), "//evil.example/y");
});

/** A Location a browser resolves to `path` on the tunnel's own host, never to another one. */
function assertSameHost(location: string | undefined, path: string): void {
  const url = new URL(location ?? "", "https://name.example/some/page");
  assert.equal(url.host, "name.example", `${location} stays on the host`);
  assert.equal(url.pathname, path);
}

test("a link's cookie lasts no longer than the link", async () => {
  await reserve("short", "LINKS");
  const { token } = await createShareLink(
    database.db,
    owner,
    "short",
    { label: "x", expiry: "1h" },
    new Date(clock),
  );
  const opened = await gate.check(request("short", { path: `/?burrow_share=${token}` }));
  assert.match(header(opened, "set-cookie") ?? "", /Max-Age=3600;/);
  assert.equal(header(opened, "location"), "/");
});

test("a link opened in its last second lets the visitor in for what is left of it", async () => {
  await reserve("last-second", "LINKS");
  clock = Math.floor(clock / 1000) * 1000 + 200;
  // It expires 300 ms from now, in the middle of the current second.
  const { token } = await createShareLink(
    database.db,
    owner,
    "last-second",
    { label: "x", expiry: "1h" },
    new Date(clock - HOUR + 300),
  );
  const opened = await gate.check(request("last-second", { path: `/?burrow_share=${token}` }));
  assert.equal(opened.admission, "SHARE_LINK");
  assert.match(header(opened, "set-cookie") ?? "", /Max-Age=1;/, "a cookie the browser keeps");
  const cookie = cookieOf(opened);
  assert.equal((await gate.check(withHeaders("last-second", { cookie }))).admission, "SHARE_LINK");
  clock += 300;
  gate.invalidate("last-second");
  assert.equal(
    (await gate.check(withHeaders("last-second", { cookie }))).admission,
    "DENIED",
    "cut at its expiry",
  );
});

test("share links also open password names", async () => {
  await reserve("pw-link", "PASSWORD", "correct horse");
  const { token } = await createShareLink(database.db, owner, "pw-link", { label: "x", expiry: "never" });
  const opened = await gate.check(request("pw-link", { path: `/?burrow_share=${token}` }));
  assert.equal(opened.admission, "SHARE_LINK");
  assert.equal(
    (await gate.check(withHeaders("pw-link", { cookie: cookieOf(opened) }))).admission,
    "SHARE_LINK",
  );
});

test("revoking a link cuts off visitors who hold its cookie: at once on notice, within the TTL without", async () => {
  await reserve("revoke", "LINKS");
  const first = await createShareLink(database.db, owner, "revoke", { label: "a", expiry: "never" });
  const second = await createShareLink(database.db, owner, "revoke", { label: "b", expiry: "never" });
  const cookieA = cookieOf(await gate.check(request("revoke", { path: `/?burrow_share=${first.token}` })));
  const cookieB = cookieOf(await gate.check(request("revoke", { path: `/?burrow_share=${second.token}` })));
  assert.equal((await gate.check(withHeaders("revoke", { cookie: cookieA }))).admission, "SHARE_LINK");

  await revokeShareLink(database.db, owner, "revoke", first.link.id);
  gate.invalidate("revoke");
  const cut = await gate.check(withHeaders("revoke", { cookie: cookieA }));
  assert.equal(cut.action === "respond" && cut.status, 403);
  assert.match(bodyText(cut), /revoked/);
  assert.match(header(cut, "set-cookie") ?? "", /Max-Age=0/);
  assert.equal(pageOf(cut), "link_revoked", "the log names the revoked link, not just a refusal");

  // No notification this time (say the LISTEN connection dropped): the TTL still bounds it.
  assert.equal((await gate.check(withHeaders("revoke", { cookie: cookieB }))).admission, "SHARE_LINK");
  await revokeShareLink(database.db, owner, "revoke", second.link.id);
  const cached = gate.check(withHeaders("revoke", { cookie: cookieB }));
  assert.ok(!(cached instanceof Promise), "answered from the cache");
  assert.equal(cached.admission, "SHARE_LINK", "still cached: within the TTL");
  clock += 2_001;
  assert.equal((await gate.check(withHeaders("revoke", { cookie: cookieB }))).admission, "DENIED");

  const reopened = await gate.check(request("revoke", { path: `/?burrow_share=${first.token}` }));
  assert.equal(reopened.action === "respond" && reopened.status, 403);
  assert.match(bodyText(reopened), /revoked/);
});

test("on a name with a password, a link that no longer works says so and offers the password form", async () => {
  await reserve("both", "PASSWORD", "correct horse");
  const past = new Date(clock - 2 * HOUR);
  const expired = await createShareLink(database.db, owner, "both", { label: "old", expiry: "1h" }, past);
  const page = await gate.check(request("both", { path: `/docs?burrow_share=${expired.token}` }));
  assert.equal(page.action === "respond" && page.status, 410, "the link page's status");
  assert.equal(pageOf(page), "link_expired");
  const html = bodyText(page);
  assert.match(html, /The link you used has expired\. If you know the password, enter it below\./);
  assert.match(html, /<form method="post" action="\/__burrow\/login">/);
  assert.match(html, /name="next" value="\/docs"/, "signing in goes where the link pointed, without it");
  assert.doesNotMatch(html, new RegExp(expired.token), "the token is not in the page");
  assert.equal(header(page, "referrer-policy"), "no-referrer");
  // The password from that form lets the visitor in.
  const signedIn = await postLogin("both", {
    password: "correct horse",
    next: "/docs",
    form: formTokenOf(page),
  });
  assert.equal(header(signedIn, "location"), "/docs");
  assert.ok(header(signedIn, "set-cookie"));
});

test("expired, used-up and unknown links are refused; a used-up link's visitors stay in", async () => {
  await reserve("limits", "LINKS");
  const past = new Date(clock - 2 * HOUR);
  const expired = await createShareLink(database.db, owner, "limits", { label: "old", expiry: "1h" }, past);
  const gone = await gate.check(request("limits", { path: `/?burrow_share=${expired.token}` }));
  assert.equal(gone.action === "respond" && gone.status, 410);
  assert.match(bodyText(gone), /expired/);
  assert.equal(pageOf(gone), "link_expired");

  const once = await createShareLink(database.db, owner, "limits", {
    label: "once",
    expiry: "never",
    maxUses: 1,
  });
  const opened = await postShare("limits", { token: once.token, next: "/" });
  assert.equal(opened.admission, "SHARE_LINK");
  const usedUp = await gate.check(request("limits", { path: `/?burrow_share=${once.token}` }));
  assert.equal(usedUp.action === "respond" && usedUp.status, 410);
  assert.match(bodyText(usedUp), /used up/);
  assert.equal(pageOf(usedUp), "link_used_up");
  assert.equal(
    (await gate.check(withHeaders("limits", { cookie: cookieOf(opened) }))).admission,
    "SHARE_LINK",
  );

  const unknown = await gate.check(request("limits", { path: `/?burrow_share=${"A".repeat(43)}` }));
  assert.equal(unknown.action === "respond" && unknown.status, 404);
  assert.equal(pageOf(unknown), "link_unknown");
  const malformed = await gate.check(request("limits", { path: "/?burrow_share=../../x" }));
  assert.equal(malformed.action === "respond" && malformed.status, 404);

  await reserve("elsewhere", "LINKS");
  const foreign = await createShareLink(database.db, owner, "elsewhere", { label: "x", expiry: "never" });
  const crossName = await gate.check(request("limits", { path: `/?burrow_share=${foreign.token}` }));
  assert.equal(crossName.action === "respond" && crossName.status, 404, "a token only opens its own name");
});

test("a link expiring cuts off its cookie holders", async () => {
  await reserve("lapse", "LINKS");
  const { token } = await createShareLink(
    database.db,
    owner,
    "lapse",
    { label: "x", expiry: "1h" },
    new Date(clock),
  );
  const cookie = cookieOf(await gate.check(request("lapse", { path: `/?burrow_share=${token}` })));
  clock += HOUR - 1_000;
  gate.invalidate("lapse");
  assert.equal((await gate.check(withHeaders("lapse", { cookie }))).admission, "SHARE_LINK");
  // The cookie itself expires with the link; the state check also catches a clock skew either way.
  clock += 2_000;
  const lapsed = await gate.check(withHeaders("lapse", { cookie }));
  assert.equal(lapsed.admission, "DENIED");
});

test("upgrades with a share parameter do not redeem it; the parameter is still removed", async () => {
  await reserve("ws-link", "LINKS");
  const { token } = await createShareLink(database.db, owner, "ws-link", { label: "x", expiry: "never" });
  const opened = await gate.check(request("ws-link", { path: `/?burrow_share=${token}` }));
  const viaUpgrade = await gate.check(
    withHeaders(
      "ws-link",
      { cookie: cookieOf(opened) },
      { upgrade: true, path: `/ws?burrow_share=${token}` },
    ),
  );
  assert.deepEqual(viaUpgrade, {
    action: "forward",
    admission: "SHARE_LINK",
    shareLinkId: opened.shareLinkId,
    path: "/ws",
    edits: { dropCookies: ["burrow_access"] },
  });
  const refused = await gate.check(request("ws-link", { upgrade: true, path: `/ws?burrow_share=${token}` }));
  assert.equal(refused.action === "respond" && refused.status, 403);
  assert.equal(refused.action === "respond" && refused.path, "/ws");
  assert.equal(pageOf(refused), "links_only");
});

test("a share link in a POST (a webhook, a form's action) is told links open in a browser first", async () => {
  await reserve("post-link", "LINKS");
  const { link, token } = await createShareLink(database.db, owner, "post-link", {
    label: "hook",
    expiry: "never",
  });
  const path = `/hook?burrow_share=${token}`;
  const webhook = await gate.check(
    request("post-link", { method: "POST", path, headers: { host: "post-link.tunnels.test" } }),
  );
  assert.equal(webhook.action === "respond" && webhook.status, 403);
  assert.equal(webhook.action === "respond" && webhook.path, "/hook", "the token is not logged");
  assert.equal(pageOf(webhook), "links_only");
  assert.match(bodyText(webhook), /opened in a browser first \(a GET request/);
  assert.match(bodyText(webhook), /password, sent with HTTP Basic auth/);

  const form = await gate.check(
    withHeaders("post-link", { "sec-fetch-mode": "navigate" }, { method: "POST", path }),
  );
  assert.equal(form.action === "respond" && form.status, 403);
  assert.match(bodyText(form), /<h1>Share link not opened<\/h1>/);
  assert.doesNotMatch(bodyText(form), /If you were given one, open that link/);

  const without = await gate.check(
    withHeaders("post-link", { "sec-fetch-mode": "navigate" }, { method: "POST", path: "/hook" }),
  );
  assert.match(bodyText(without), /If you were given one, open that link/, "no link: the usual page");
  const row = await database.db.shareLink.findUniqueOrThrow({ where: { id: link.id } });
  assert.equal(row.uses, 0, "nothing counted");
});

test("switching to links-only stops password cookies", async () => {
  await reserve("switch", "PASSWORD", "correct horse");
  const cookie = cookieOf(await signIn("switch", "correct horse"));
  await setAccessSettings(database.db, owner, "switch", { mode: "LINKS" });
  gate.invalidate("switch");
  assert.equal((await gate.check(withHeaders("switch", { cookie }))).admission, "DENIED");
  await setAccessSettings(database.db, owner, "switch", { mode: "PUBLIC" });
  gate.invalidate("switch");
  assert.equal((await gate.check(withHeaders("switch", { cookie }))).admission, "PUBLIC");
});

test("a link with a use limit admits exactly that many visitors, even all at once", async () => {
  await reserve("rush", "LINKS");
  const { link, token } = await createShareLink(database.db, owner, "rush", {
    label: "x",
    expiry: "never",
    maxUses: 3,
  });
  const opens = await Promise.all(Array.from({ length: 10 }, () => postShare("rush", { token, next: "/" })));
  assert.equal(opens.filter((d) => d.admission === "SHARE_LINK").length, 3);
  assert.equal((await database.db.shareLink.findUniqueOrThrow({ where: { id: link.id } })).uses, 3);
});

test("a crowd at a link with many uses left gets them all: nobody is told 'used up' before it is", async () => {
  await reserve("crowd", "LINKS");
  const { link, token } = await createShareLink(database.db, owner, "crowd", {
    label: "x",
    expiry: "never",
    maxUses: 40,
  });
  // 50 visitors confirm at once while chat apps fetch previews (GET and HEAD) of the same link.
  const [opens, previews] = await Promise.all([
    Promise.all(Array.from({ length: 50 }, () => postShare("crowd", { token, next: "/" }))),
    Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gate.check(request("crowd", { method: i % 2 ? "HEAD" : "GET", path: `/?burrow_share=${token}` })),
      ),
    ),
  ]);
  assert.equal(opens.filter((d) => d.admission === "SHARE_LINK").length, 40);
  const refused = opens.filter((d) => d.admission !== "SHARE_LINK");
  assert.deepEqual(
    refused.map((d) => pageOf(d)),
    Array(10).fill("link_used_up"),
  );
  assert.match(bodyText(refused[0]!), /used up/);
  assert.ok(previews.every((d) => pageOf(d) === "link_confirm" || pageOf(d) === "link_used_up"));
  assert.equal((await database.db.shareLink.findUniqueOrThrow({ where: { id: link.id } })).uses, 40);
});

test("a link with a use limit counts only the visitor's confirmation: previews and HEADs use nothing", async () => {
  await reserve("preview", "LINKS");
  const { link, token } = await createShareLink(database.db, owner, "preview", {
    label: "x",
    expiry: "never",
    maxUses: 2,
  });
  const uses = async () => (await database.db.shareLink.findUniqueOrThrow({ where: { id: link.id } })).uses;
  // A chat app building a preview: GETs and HEADs, with and without an HTML Accept header.
  for (const fetch of [
    request("preview", { path: `/doc?burrow_share=${token}&x=<b>` }),
    request("preview", { path: `/doc?burrow_share=${token}&x=<b>`, method: "HEAD" }),
    withHeaders("preview", { accept: "*/*" }, { path: `/doc?burrow_share=${token}&x=<b>` }),
  ]) {
    const page = await gate.check(fetch);
    assert.equal(page.action === "respond" && page.status, 200);
    assert.equal(page.admission, "DENIED", "nothing reached the app");
    assert.equal(pageOf(page), "link_confirm", "logged as the confirmation page, not as a refusal");
    assert.equal(header(page, "set-cookie"), undefined, "no cookie before the visitor confirms");
    assert.equal(page.action === "respond" && page.path, "/doc?x=<b>", "the token never reaches the log");
    assert.equal(
      header(page, "referrer-policy"),
      "strict-origin",
      "the token's URL goes nowhere as a Referer",
    );
  }
  assert.equal(await uses(), 0);
  const page = await gate.check(request("preview", { path: `/doc?burrow_share=${token}&x=<b>` }));
  const html = bodyText(page);
  assert.match(html, /This link can be opened 2 times\./, "nobody opened it yet: not '2 more'");
  assert.match(html, /<p class="address">preview\.tunnels\.test<\/p>/, "names the address");
  assert.match(html, /<form method="post" action="\/__burrow\/share">/);
  assert.match(html, new RegExp(`name="token" value="${token}"`));
  assert.match(html, /name="next" value="\/doc\?x=&lt;b&gt;"/, "escaped in the page");

  const crossSite = await postShare("preview", { token, next: "/doc" }, { origin: "http://evil.example" });
  assert.equal(crossSite.action === "respond" && crossSite.status, 403);
  const wrong = await postShare("preview", { token: "A".repeat(43), next: "/doc" });
  assert.equal(wrong.action === "respond" && wrong.status, 404);
  assert.equal(pageOf(wrong), "link_unknown");
  assert.equal(await uses(), 0, "refused posts count nothing");

  const opened = await postShare("preview", { token, next: "/doc?x=<b>" });
  assert.equal(opened.action === "respond" && opened.status, 303);
  assert.equal(header(opened, "location"), "/doc?x=<b>");
  assert.equal(opened.admission, "SHARE_LINK");
  assert.equal(pageOf(opened), "link_opened");
  assert.equal(opened.action === "respond" && opened.path, "/__burrow/share");
  assert.equal(header(opened, "referrer-policy"), "no-referrer", "nor from the redirect");
  assert.equal(await uses(), 1);
  assert.equal(
    (await gate.check(withHeaders("preview", { cookie: cookieOf(opened) }))).admission,
    "SHARE_LINK",
  );
  assert.match(
    bodyText(await gate.check(request("preview", { path: `/?burrow_share=${token}` }))),
    /once more/,
  );

  // A script (curl -d token=…) sends no Origin: the token alone decides.
  const script = await postShare("preview", { token, next: "//evil.example/" }, { origin: undefined });
  assert.equal(script.admission, "SHARE_LINK");
  assertSameHost(header(script, "location"), "//evil.example/");
  const usedUp = await gate.check(request("preview", { path: `/?burrow_share=${token}` }));
  assert.equal(usedUp.action === "respond" && usedUp.status, 410);
});

test("a HEAD of a link without a use limit counts nothing; its GET opens it at once", async () => {
  await reserve("head", "LINKS");
  const { link, token } = await createShareLink(database.db, owner, "head", { label: "x", expiry: "never" });
  const head = await gate.check(request("head", { method: "HEAD", path: `/?burrow_share=${token}` }));
  assert.equal(head.action === "respond" && head.status, 200);
  assert.equal((await database.db.shareLink.findUniqueOrThrow({ where: { id: link.id } })).uses, 0);
  const get = await gate.check(request("head", { path: `/?burrow_share=${token}` }));
  assert.equal(get.action === "respond" && get.status, 303);
  assert.equal((await database.db.shareLink.findUniqueOrThrow({ where: { id: link.id } })).uses, 1);
});

test("the cookie of an old link opened today admits, however many newer links the name has", async () => {
  await reserve("many", "LINKS");
  const year = 365 * 24 * HOUR;
  const old = await createShareLink(database.db, owner, "many", { label: "old", expiry: "never" });
  await database.db.shareLink.update({
    where: { id: old.link.id },
    data: { createdAt: new Date(clock - year) },
  });
  const cookie = cookieOf(await gate.check(request("many", { path: `/?burrow_share=${old.token}` })));
  const { id: reservationId } = await database.db.reservation.findUniqueOrThrow({ where: { name: "many" } });
  await database.db.shareLink.createMany({
    data: Array.from({ length: 600 }, (_, i) => ({
      reservationId,
      label: `new ${i}`,
      tokenHash: `many-${i}`,
      createdAt: new Date(clock - i),
    })),
  });
  gate.invalidate("many");
  assert.equal((await gate.check(withHeaders("many", { cookie }))).admission, "SHARE_LINK");
});

test("/__burrow/logout: a GET shows a Sign out button; only a post from this host (or a script) signs out", async () => {
  await reserve("bye", "PASSWORD", "correct horse");
  const cookie = cookieOf(await signIn("bye", "correct horse"));
  const logout = { path: "/__burrow/logout" };
  // What an <img src> or a link on another site makes the browser send: nothing changes.
  for (const method of ["GET", "HEAD"]) {
    const page = await gate.check(withHeaders("bye", { cookie }, { ...logout, method }));
    assert.equal(page.action === "respond" && page.status, 200);
    assert.equal(header(page, "set-cookie"), undefined);
    assert.equal(pageOf(page), "sign_out_confirm");
    assert.match(bodyText(page), /<form method="post" action="\/__burrow\/logout">/);
    assert.match(bodyText(page), /<button type="submit"[^>]*>Sign out<\/button>/);
  }
  const crossSite = await postForm("bye", logout.path, {}, { cookie, origin: "http://evil.example" });
  assert.equal(crossSite.action === "respond" && crossSite.status, 403);
  assert.equal(header(crossSite, "set-cookie"), undefined);
  assert.equal(pageOf(crossSite), "form_rejected");
  assert.equal((await gate.check(withHeaders("bye", { cookie }))).admission, "PASSWORD", "still in");

  // The page's button, and a script's post (no Origin): signed out.
  for (const origin of ["http://bye.tunnels.test", undefined]) {
    const out = await postForm("bye", logout.path, {}, { cookie, origin });
    assert.equal(out.action === "respond" && out.status, 200);
    assert.match(header(out, "set-cookie") ?? "", /^burrow_access=; Path=\/; Max-Age=0;/);
    assert.match(bodyText(out), /This browser is signed out of this address/);
    assert.match(bodyText(out), /<a href="\/">/);
    assert.equal(pageOf(out), "signed_out");
  }
  const https = await postForm(
    "bye",
    logout.path,
    {},
    { origin: "https://bye.tunnels.test" },
    { proto: "https" },
  );
  assert.match(header(https, "set-cookie") ?? "", /Secure/);
});

test("with the database unreachable and nothing cached, a visitor can still sign out; anything else fails", async () => {
  // A real client for a port nothing listens on: every query fails as in an outage.
  const unreachable = createDb("postgres://postgres@127.0.0.1:1/burrow_gone");
  const cut = createAccessGate({
    db: unreachable,
    secret: SECRET,
    config: { BURROW_ACCESS_COOKIE_HOURS: 24 },
    logger: createLogger({ silent: true }),
  });
  try {
    const out = await cut.check(
      request("away", {
        method: "POST",
        path: "/__burrow/logout",
        headers: { host: "away.tunnels.test", origin: "http://away.tunnels.test" },
      }),
    );
    assert.equal(out.action === "respond" && out.status, 200);
    assert.match(header(out, "set-cookie") ?? "", /^burrow_access=; Path=\/; Max-Age=0;/);
    await assert.rejects(Promise.resolve(cut.check(request("away", { path: "/" }))));
  } finally {
    cut.close();
    await unreachable.$disconnect();
  }
});

test("the login path: GET shows the form again, upgrades are refused, other reserved paths are 404", async () => {
  await reserve("reserved", "PASSWORD", "correct horse");
  const again = await gate.check(request("reserved", { path: "/__burrow/login?next=%2Fback%3Fa%3D1" }));
  assert.equal(again.action === "respond" && again.status, 401);
  assert.match(bodyText(again), /name="next" value="\/back\?a=1"/);
  const hostile = await gate.check(request("reserved", { path: "/__burrow/login?next=%2F%2Fevil.example" }));
  assert.match(bodyText(hostile), /name="next" value="\/\.\/\/evil.example"/, "a path on this host");
  const upgrade = await gate.check(request("reserved", { path: "/__burrow/login", upgrade: true }));
  assert.equal(upgrade.action === "respond" && upgrade.status, 404);
  assert.equal(pageOf(upgrade), "not_found");
  const other = await gate.check(request("reserved", { path: "/__burrow/admin" }));
  assert.equal(other.action === "respond" && other.status, 404);
  assert.equal(other.admission, "DENIED");

  await setAccessSettings(database.db, owner, "reserved", { mode: "PUBLIC" });
  gate.invalidate("reserved");
  const home = await gate.check(request("reserved", { path: "/__burrow/login" }));
  assert.equal(header(home, "location"), "/", "nothing to sign in to: go home");
  assert.equal(pageOf(home), "now_public");
  const late = await postLogin("reserved", { password: "whatever", next: "/after", form: "x" });
  assert.equal(header(late, "location"), "/after", "a form posted just after the name went public");
  assert.equal(late.admission, "PUBLIC");
  assert.equal(pageOf(late), "now_public");
});

test("a browser gets no Basic-auth dialog: its form post gets the relay's page, its fetch() a plain 401", async () => {
  await reserve("pw-form", "PASSWORD", "correct horse");
  await reserve("links-form", "LINKS");
  const navigation = { "sec-fetch-mode": "navigate", "sec-fetch-dest": "document", accept: "text/html" };
  const post = (name: string, headers: IncomingHttpHeaders) =>
    gate.check(withHeaders(name, headers, { method: "POST", path: "/orders?id=7" }));

  const asked = await post("pw-form", navigation);
  assert.equal(asked.action === "respond" && asked.status, 401);
  assert.equal(header(asked, "www-authenticate"), undefined, "no challenge: the browser shows no dialog");
  assert.match(header(asked, "content-type") ?? "", /^text\/html/);
  assert.match(bodyText(asked), /Password required/);
  // Signing in leads back to the page's URL, a GET (303), not to a resubmitted post.
  assert.match(bodyText(asked), /name="next" value="\/orders\?id=7"/);
  const signedIn = await postLogin("pw-form", {
    password: "correct horse",
    next: "/orders?id=7",
    form: formTokenOf(asked),
  });
  assert.equal(signedIn.action === "respond" && signedIn.status, 303);
  assert.equal(header(signedIn, "location"), "/orders?id=7");

  const privatePage = await post("links-form", navigation);
  assert.equal(privatePage.action === "respond" && privatePage.status, 403);
  assert.match(bodyText(privatePage), /This address is private/);

  // fetch() in the app's page: the plain answer without a challenge, so Chromium shows no login
  // dialog over the app; curl: the plain answer and the challenge.
  for (const [script, challenged] of [
    [{ "sec-fetch-mode": "cors", "sec-fetch-dest": "empty" }, false],
    [{ accept: "*/*" }, true],
  ] as const) {
    const denied = await post("pw-form", script);
    assert.equal(denied.action === "respond" && denied.status, 401);
    assert.equal(/^Basic /.test(header(denied, "www-authenticate") ?? ""), challenged);
    assert.equal(header(denied, "content-type"), "text/plain; charset=utf-8");
    assert.match(bodyText(denied), /needs a password/);
  }
  // A page's fetch() that sends a wrong password itself gets no challenge either.
  const wrong = await gate.check(
    withHeaders("pw-form", { "sec-fetch-mode": "cors", authorization: basic("wrong") }, { path: "/api" }),
  );
  assert.equal(wrong.action === "respond" && wrong.status, 401);
  assert.equal(header(wrong, "www-authenticate"), undefined);
});
