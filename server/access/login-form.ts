/**
 * The password form's own pieces: a signed form token and a bounded reader for the posted body.
 *
 * CSRF design (a login form has no session to bind to): the access cookie is SameSite=Lax, so a
 * cross-site POST never carries it; the form post must come from this host (Origin, else Referer,
 * checked by the gate); and the form carries a token signed with the relay's secret for this name
 * and a time, so a post built elsewhere without a fresh page of ours is refused even by a client
 * that sends neither header.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Readable } from "node:stream";

/** A password page stays usable this long; after that the visitor is asked again, uncounted. */
export const FORM_TOKEN_TTL_SECONDS = 3_600;

/**
 * The same, for a post whose Origin (or Referer) says it came from this very host: the token then
 * only confirms what the browser already did, so a tab left open over a weekend still signs in
 * with the right password instead of asking for it again.
 */
export const SAME_ORIGIN_FORM_TOKEN_TTL_SECONDS = 7 * 24 * 3_600;

/** The form fields: small, so anything larger is not our form. */
export const MAX_FORM_BYTES = 4_096;

/** How long a visitor may take to send the form body (a stalled upload is cut, not waited for). */
const BODY_TIMEOUT_MS = 10_000;

function mac(secret: string, name: string, issued: number): string {
  return createHmac("sha256", secret).update(`burrow-login-form.v1.${name}.${issued}`).digest("base64url");
}

/** `<issued unix seconds>.<hmac>` for the password form of `name`. */
export function signFormToken(secret: string, name: string, nowSeconds: number): string {
  return `${nowSeconds}.${mac(secret, name, nowSeconds)}`;
}

/** True when the token was issued by this relay, for this name, within `ttlSeconds`. */
export function verifyFormToken(
  secret: string,
  name: string,
  token: string,
  nowSeconds: number,
  ttlSeconds = FORM_TOKEN_TTL_SECONDS,
): boolean {
  const dot = token.indexOf(".");
  if (dot <= 0 || token.length > 100) return false;
  const issued = Number(token.slice(0, dot));
  if (!Number.isSafeInteger(issued) || issued > nowSeconds + 60 || nowSeconds - issued > ttlSeconds) {
    return false;
  }
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(secret, name, issued));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Reads an `application/x-www-form-urlencoded` body of at most MAX_FORM_BYTES. Null when the body
 * is of another type, too large or too slow: the caller answers 400 without looking further.
 */
export function readFormBody(
  body: Readable,
  contentType: string | undefined,
): Promise<URLSearchParams | null> {
  if (!contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded"))
    return Promise.resolve(null);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: URLSearchParams | null) => {
      clearTimeout(timer);
      body.off("data", onData).off("end", onEnd).off("error", onError);
      // Not destroyed: the relay still answers on this connection (Node closes it after the
      // response when the rest of an oversized body was never read).
      if (result === null) body.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > MAX_FORM_BYTES) finish(null);
      else chunks.push(buffer);
    };
    const onEnd = () => finish(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
    const onError = () => finish(null);
    const timer = setTimeout(() => finish(null), BODY_TIMEOUT_MS);
    body.on("data", onData).on("end", onEnd).on("error", onError);
  });
}
