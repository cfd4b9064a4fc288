import assert from "node:assert/strict";
import { test } from "node:test";
import { accessCookieHeader, signAccessCookie, verifyAccessCookie } from "./access-cookie.ts";
import { maxUsesProblem } from "./max-uses.ts";
import { accessSettingsSchema, allowedAddressesSchema, createShareLinkSchema } from "./schemas.ts";
import { AttemptThrottle } from "./throttle.ts";
import { createShareToken, hashShareToken, looksLikeShareToken } from "./tokens.ts";

const secret = "s".repeat(43);
const now = 1_800_000_000;

test("share tokens carry 256 bits and only their hash is kept", () => {
  const a = createShareToken();
  const b = createShareToken();
  assert.notEqual(a.token, b.token);
  assert.equal(Buffer.from(a.token, "base64url").length, 32);
  assert.ok(looksLikeShareToken(a.token));
  assert.equal(a.tokenHash, hashShareToken(a.token));
  assert.notEqual(a.tokenHash, a.token);
  assert.equal(looksLikeShareToken("../../etc/passwd"), false);
});

test("a signed cookie verifies for its own name until it expires", () => {
  const value = signAccessCookie(secret, {
    kind: "password",
    name: "myapp",
    reservationId: "res1",
    passwordVersion: 3,
    expiresAt: now + 60,
  });
  assert.deepEqual(verifyAccessCookie(secret, value, "myapp", now), {
    kind: "password",
    name: "myapp",
    reservationId: "res1",
    passwordVersion: 3,
    expiresAt: now + 60,
  });
  assert.equal(verifyAccessCookie(secret, value, "other", now), null, "scoped to one tunnel");
  assert.equal(verifyAccessCookie(secret, value, "myapp", now + 60), null, "expired");
  assert.equal(verifyAccessCookie("another secret", value, "myapp", now), null, "wrong key");
});

test("tampered or malformed cookies are rejected", () => {
  const value = signAccessCookie(secret, {
    kind: "share",
    name: "myapp",
    linkId: "link1",
    expiresAt: now + 60,
  });
  assert.equal(verifyAccessCookie(secret, value, "myapp", now)?.kind, "share");
  const [body, mac] = value.split(".") as [string, string];
  const forged = Buffer.from(JSON.stringify({ k: "s", n: "myapp", l: "link2", e: now + 60 })).toString(
    "base64url",
  );
  assert.equal(verifyAccessCookie(secret, `${forged}.${mac}`, "myapp", now), null);
  assert.equal(verifyAccessCookie(secret, `${body}.`, "myapp", now), null);
  assert.equal(verifyAccessCookie(secret, "garbage", "myapp", now), null);
  assert.equal(verifyAccessCookie(secret, "", "myapp", now), null);
});

test("the cookie header is host-only, HttpOnly, Lax, and Secure only over HTTPS", () => {
  const plain = accessCookieHeader("v", 3600, false);
  assert.match(plain, /^burrow_access=v; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax$/);
  assert.doesNotMatch(plain, /Domain=/);
  assert.match(accessCookieHeader("v", 3600, true), /; Secure$/);
});

test("the throttle limits one client per name, and all clients per name", () => {
  let clock = 0;
  const throttle = new AttemptThrottle({ perClient: 3, perName: 5, windowMs: 60_000, now: () => clock });
  for (let i = 0; i < 3; i++) throttle.fail("1.1.1.1", "app");
  assert.equal(throttle.retryAfter("1.1.1.1", "app"), 60);
  assert.equal(throttle.retryAfter("2.2.2.2", "app"), 0, "another client may still try");
  assert.equal(throttle.retryAfter("1.1.1.1", "other"), 0, "another name is unaffected");
  throttle.fail("2.2.2.2", "app");
  throttle.fail("3.3.3.3", "app");
  assert.equal(throttle.retryAfter("4.4.4.4", "app"), 60, "per-name ceiling across many IPs");
  clock = 30_000;
  assert.equal(throttle.retryAfter("4.4.4.4", "app"), 30);
  clock = 60_000;
  assert.equal(throttle.retryAfter("1.1.1.1", "app"), 0, "the window resets");
});

test("attempts are counted before the check and forgiven when right", () => {
  const throttle = new AttemptThrottle({ perClient: 2, perName: 100, windowMs: 60_000, now: () => 0 });
  assert.equal(throttle.attempt("1.1.1.1", "app"), 0);
  assert.equal(throttle.attempt("1.1.1.1", "app"), 0);
  assert.equal(throttle.attempt("1.1.1.1", "app"), 60, "two in flight already fill the window");
  throttle.forgive("1.1.1.1", "app");
  assert.equal(throttle.attempt("1.1.1.1", "app"), 0, "a right password gives its attempt back");
});

test("blank optional form fields count as not given", () => {
  const parsed = createShareLinkSchema.parse({ label: "Ana", expiry: "never", maxUses: "", expiresAt: "" });
  assert.equal(parsed.maxUses, undefined);
  assert.equal(parsed.expiresAt, undefined);
  assert.equal(
    createShareLinkSchema.safeParse({ label: "Ana", expiry: "date", expiresAt: "" }).success,
    false,
  );
  assert.equal(createShareLinkSchema.parse({ label: "Ana", expiry: "1h", maxUses: "5" }).maxUses, 5);
});

test("allowed networks: localhost is refused with a pointer to loopback", () => {
  const result = allowedAddressesSchema.safeParse({ addresses: "10.0.0.0/8\nLocalhost" });
  assert.equal(result.success, false);
  assert.match(result.error?.issues[0]?.message ?? "", /^Write loopback instead of localhost/);
  assert.deepEqual(allowedAddressesSchema.parse({ addresses: "loopback" }).addresses, ["loopback"]);
});

test("allowed networks: a range with host bits set is refused, naming its network and its address", () => {
  const refused = allowedAddressesSchema.safeParse({ addresses: "203.0.113.7\n10.0.0.1/8" });
  assert.equal(
    refused.error?.issues[0]?.message,
    "10.0.0.1/8 has host bits set: did you mean 10.0.0.0/8, or 10.0.0.1 alone for that one address?",
  );
  assert.match(
    allowedAddressesSchema.safeParse({ addresses: "2001:DB8::1/32, 192.168.1.5/16" }).error?.issues[0]
      ?.message ?? "",
    /^2001:db8::1\/32 has host bits set: did you mean 2001:db8::\/32, .* \(and 1 more like it\)$/,
  );
  // Saved as written when it starts at its network (or is one address: /32 and /128 have no host bits).
  assert.deepEqual(
    allowedAddressesSchema.parse({ addresses: "10.0.0.0/8 2001:db8::/32 203.0.113.7/32 private" }).addresses,
    ["10.0.0.0/8", "2001:db8::/32", "203.0.113.7/32", "private"],
  );
});

test("a tunnel password of spaces alone is refused; spaces beside other characters are kept", () => {
  const refused = accessSettingsSchema.safeParse({ mode: "PASSWORD", password: " ".repeat(8) });
  assert.equal(refused.error?.issues[0]?.message, "A password cannot be only spaces");
  assert.deepEqual(refused.error?.issues[0]?.path, ["password"]);
  assert.equal(
    accessSettingsSchema.parse({ mode: "PASSWORD", password: " let me in " }).password,
    " let me in ",
  );
  // Empty still keeps the current password.
  assert.equal(accessSettingsSchema.parse({ mode: "PASSWORD", password: "" }).password, undefined);
});

test("maximum uses: the message says what is allowed, too few or too many alike", () => {
  assert.equal(maxUsesProblem("0"), "Use at least 1 (or leave empty for no limit)");
  assert.equal(maxUsesProblem("-5"), "Use at least 1 (or leave empty for no limit)");
  assert.equal(maxUsesProblem("99999999999"), "Use at most 1,000,000 (or leave empty for no limit)");
  assert.equal(maxUsesProblem("2.5"), "Enter a whole number");
  assert.equal(maxUsesProblem(""), null, "empty: no limit");
  assert.equal(maxUsesProblem("1000000"), null);
  const refused = createShareLinkSchema.safeParse({ label: "Ana", expiry: "1h", maxUses: "99999999999" });
  assert.equal(refused.error?.issues[0]?.message, maxUsesProblem("99999999999"), "the server says the same");
});
