import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import {
  FORM_TOKEN_TTL_SECONDS,
  MAX_FORM_BYTES,
  readFormBody,
  signFormToken,
  verifyFormToken,
} from "./login-form.ts";
import {
  accessCookieValues,
  basicAuthPassword,
  postOrigin,
  safeReturnPath,
  takeShareParam,
  wantsPage,
} from "./request-parts.ts";

test("the share parameter is removed; other parameters keep their order and spelling", () => {
  assert.deepEqual(takeShareParam("/a?x=1&burrow_share=tok&y=%20two&x=3"), {
    token: "tok",
    path: "/a?x=1&y=%20two&x=3",
    found: true,
  });
  assert.deepEqual(takeShareParam("/?burrow_share=tok"), { token: "tok", path: "/", found: true });
  assert.deepEqual(takeShareParam("?burrow_share=tok"), { token: "tok", path: "/", found: true });
  assert.equal(
    takeShareParam("/p?burrow%5Fshare=a&burrow_share=b&q").path,
    "/p?q",
    "every spelling, every copy",
  );
  assert.equal(takeShareParam("/p?burrow%5Fshare=a&burrow_share=b").token, "a", "the first one counts");
  assert.equal(takeShareParam("/p?%62urrow_%73hare=a").found, true, "fully encoded name");
  assert.deepEqual(takeShareParam("/p?burrow_share"), { token: "", path: "/p", found: true });
  assert.deepEqual(takeShareParam("/p?x=burrow_share"), {
    token: null,
    path: "/p?x=burrow_share",
    found: false,
  });
  assert.deepEqual(takeShareParam("/p?my_burrow_share=1"), {
    token: null,
    path: "/p?my_burrow_share=1",
    found: false,
  });
  assert.equal(
    takeShareParam("/p?bad=%zz&burrow_share=t").path,
    "/p?bad=%zz",
    "undecodable parts are kept as sent",
  );
});

test("the access cookie is found among the app's own cookies", () => {
  assert.deepEqual(accessCookieValues({ cookie: "a=1; burrow_access=v1.sig; b=2" }), ["v1.sig"]);
  assert.deepEqual(accessCookieValues({ cookie: "burrow_access=x;burrow_access=y" }), ["x", "y"]);
  assert.deepEqual(accessCookieValues({ cookie: "not_burrow_access=x; burrow_accessory=y" }), []);
  assert.deepEqual(accessCookieValues({}), []);
});

test("Basic credentials: any user name, the password is what counts; other schemes are the app's", () => {
  const basic = (text: string) => ({ authorization: `Basic ${Buffer.from(text).toString("base64")}` });
  assert.equal(basicAuthPassword(basic(":s3cret pass")), "s3cret pass");
  assert.equal(
    basicAuthPassword(basic("anyone:a:b")),
    "a:b",
    "colons after the first belong to the password",
  );
  assert.equal(basicAuthPassword({ authorization: `basic ${Buffer.from(":x").toString("base64")}` }), "x");
  assert.equal(basicAuthPassword(basic("no-colon")), null);
  assert.equal(basicAuthPassword({ authorization: "Bearer abc" }), null);
  assert.equal(basicAuthPassword({ authorization: "Basic !!!" }), null);
  assert.equal(basicAuthPassword({}), null);
});

test("the return path after sign-in stays on this host (no open redirect)", () => {
  assert.equal(safeReturnPath("/docs?page=2"), "/docs?page=2");
  assert.equal(safeReturnPath("/a?burrow_share=t&b=1"), "/a?b=1");
  // A path starting with // is this host's path, written so that a browser cannot read a host in it.
  assert.equal(safeReturnPath("//evil.example/x?burrow_share=t"), "/.//evil.example/x");
  for (const hostile of [
    "/\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "/\t/evil.example",
    "/x\r\nSet-Cookie: a=b",
    "/__burrow/login",
    "",
    null,
    undefined,
    `/${"a".repeat(3000)}`,
  ]) {
    assert.equal(safeReturnPath(hostile), "/", String(hostile));
  }
});

test("a form post must come from the same host, by Origin or else Referer", () => {
  const host = "demo.tunnels.test:8080";
  assert.equal(postOrigin({ host, origin: "http://demo.tunnels.test:8080" }, "http"), "same");
  assert.equal(
    postOrigin({ host, origin: "https://demo.tunnels.test:8080" }, "http"),
    "cross",
    "scheme counts",
  );
  assert.equal(postOrigin({ host, origin: "http://other.tunnels.test:8080" }, "http"), "cross");
  assert.equal(postOrigin({ host, origin: "null" }, "http"), "cross");
  // A same-origin form on a no-referrer page: the browser sends Origin: null and says where from.
  assert.equal(postOrigin({ host, origin: "null", "sec-fetch-site": "same-origin" }, "http"), "same");
  assert.equal(postOrigin({ host, origin: "null", "sec-fetch-site": "cross-site" }, "http"), "cross");
  assert.equal(postOrigin({ host, origin: "null", "sec-fetch-site": "same-site" }, "http"), "cross");
  assert.equal(postOrigin({ host, referer: "http://demo.tunnels.test:8080/x?y" }, "http"), "same");
  assert.equal(postOrigin({ host, referer: "http://evil.example/demo.tunnels.test:8080" }, "http"), "cross");
  assert.equal(postOrigin({ host }, "http"), "absent");
});

test("browsers navigating get pages; upgrades, event streams and other methods get plain answers", () => {
  assert.equal(wantsPage({ method: "GET", upgrade: false, headers: { accept: "text/html" } }), true);
  assert.equal(wantsPage({ method: "GET", upgrade: true, headers: {} }), false);
  assert.equal(wantsPage({ method: "GET", upgrade: false, headers: { accept: "text/event-stream" } }), false);
  assert.equal(wantsPage({ method: "POST", upgrade: false, headers: {} }), false);
});

test("a script's GET gets the plain answer (its Basic challenge), a browser's navigation the page", () => {
  const get = (headers: Record<string, string>, method = "GET") =>
    wantsPage({ method, upgrade: false, headers });
  // What Chromium and Firefox send when they open an address.
  const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
  assert.equal(get({ "sec-fetch-mode": "navigate", "sec-fetch-dest": "document", accept: browser }), true);
  assert.equal(get({ accept: browser }), true, "a browser too old for Sec-Fetch");
  assert.equal(get({ accept: browser }, "HEAD"), true);
  // curl, wget, Python's urllib: they send credentials once challenged.
  assert.equal(get({ accept: "*/*" }), false);
  assert.equal(get({}), false);
  assert.equal(get({ accept: "application/json" }, "HEAD"), false);
  // A page's fetch() of a protected address once its cookie ran out.
  assert.equal(get({ "sec-fetch-mode": "cors", "sec-fetch-dest": "empty", accept: "*/*" }), false);
  assert.equal(get({ "sec-fetch-mode": "no-cors", "sec-fetch-dest": "image", accept: "image/*" }), false);
});

test("a browser's form post is a navigation whatever its method; fetch() and curl posts are not", () => {
  const post = (headers: Record<string, string>) => wantsPage({ method: "POST", upgrade: false, headers });
  assert.equal(
    post({ "sec-fetch-mode": "navigate", "sec-fetch-dest": "document", accept: "text/html" }),
    true,
  );
  assert.equal(post({ "sec-fetch-mode": "navigate", "sec-fetch-dest": "iframe", accept: "*/*" }), true);
  assert.equal(post({ "sec-fetch-dest": "document", accept: "text/html,application/xhtml+xml" }), true);
  assert.equal(post({ "sec-fetch-mode": "cors", "sec-fetch-dest": "empty", accept: "text/html" }), false);
  assert.equal(post({ "sec-fetch-mode": "cors", "sec-fetch-dest": "document", accept: "text/html" }), false);
  assert.equal(post({ accept: "text/html" }), false, "curl -H 'Accept: text/html' is still a script");
  assert.equal(post({ "sec-fetch-dest": "document", accept: "*/*" }), false);
  assert.equal(
    wantsPage({ method: "PUT", upgrade: true, headers: { "sec-fetch-mode": "navigate" } }),
    false,
    "never for an upgrade",
  );
});

test("form tokens are bound to the name and expire", () => {
  const secret = "k".repeat(32);
  const now = 1_800_000_000;
  const token = signFormToken(secret, "demo", now);
  assert.equal(verifyFormToken(secret, "demo", token, now + 10), true);
  assert.equal(verifyFormToken(secret, "other", token, now + 10), false);
  assert.equal(verifyFormToken("another secret", "demo", token, now + 10), false);
  assert.equal(verifyFormToken(secret, "demo", token, now + FORM_TOKEN_TTL_SECONDS + 1), false);
  assert.equal(verifyFormToken(secret, "demo", `${now + 5}.${token.split(".")[1]}`, now + 10), false);
  assert.equal(verifyFormToken(secret, "demo", "garbage", now), false);
});

test("the form body reader takes small url-encoded forms only", async () => {
  const form = await readFormBody(
    Readable.from([Buffer.from("password=a%20b&next=%2Fx")]),
    "application/x-www-form-urlencoded",
  );
  assert.equal(form?.get("password"), "a b");
  assert.equal(form?.get("next"), "/x");
  assert.equal(await readFormBody(Readable.from([Buffer.from("{}")]), "application/json"), null);
  const big = Readable.from([Buffer.alloc(MAX_FORM_BYTES + 1, "a")]);
  assert.equal(await readFormBody(big, "application/x-www-form-urlencoded"), null);
});
