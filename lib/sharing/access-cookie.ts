import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** Host-only cookie the relay sets after a right password or a share link. */
export const ACCESS_COOKIE = "burrow_access";

/**
 * What a visitor proved: the password (at a given password version of a given reservation of the
 * name) or a share link. `reservationId` is null in password cookies signed before it was added.
 */
export type AccessGrant =
  | {
      kind: "password";
      name: string;
      reservationId: string | null;
      passwordVersion: number;
      expiresAt: number;
    }
  | { kind: "share"; name: string; linkId: string; expiresAt: number };

interface Payload {
  /** kind: p = password, s = share link */
  k: "p" | "s";
  n: string;
  /** the reservation's id: a name released and reserved again starts over at version 0 */
  r?: string;
  v?: number;
  l?: string;
  /** expiry, unix seconds */
  e: number;
  /**
   * random: two visitors let in the same second get different cookies, so one signing out (which
   * ends what carries their cookie) ends nothing of the other's
   */
  j?: string;
}

function sign(secret: string, body: string): Buffer {
  return createHmac("sha256", secret).update(`burrow-access.v1.${body}`).digest();
}

/** `<base64url(json)>.<base64url(hmac)>`; HMAC-SHA256 with the relay's access secret. */
export function signAccessCookie(secret: string, grant: AccessGrant): string {
  const payload: Payload =
    grant.kind === "password"
      ? {
          k: "p",
          n: grant.name,
          ...(grant.reservationId === null ? {} : { r: grant.reservationId }),
          v: grant.passwordVersion,
          e: grant.expiresAt,
          j: randomBytes(9).toString("base64url"),
        }
      : {
          k: "s",
          n: grant.name,
          l: grant.linkId,
          e: grant.expiresAt,
          j: randomBytes(9).toString("base64url"),
        };
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${body}.${sign(secret, body).toString("base64url")}`;
}

/**
 * Returns the grant when the signature is ours, it was issued for this tunnel name and it has not
 * expired; null otherwise. Whether the password version or link is still valid is the caller's
 * check (that state lives in the database and changes).
 */
export function verifyAccessCookie(
  secret: string,
  value: string,
  name: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): AccessGrant | null {
  if (value.length > 1024) return null;
  const dot = value.indexOf(".");
  if (dot <= 0) return null;
  const body = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1), "base64url");
  const expected = sign(secret, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let payload: Payload;
  try {
    payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Payload;
  } catch {
    return null;
  }
  if (payload.n !== name || typeof payload.e !== "number" || payload.e <= nowSeconds) return null;
  if (payload.k === "p" && typeof payload.v === "number") {
    const reservationId = typeof payload.r === "string" ? payload.r : null;
    return { kind: "password", name, reservationId, passwordVersion: payload.v, expiresAt: payload.e };
  }
  if (payload.k === "s" && typeof payload.l === "string") {
    return { kind: "share", name, linkId: payload.l, expiresAt: payload.e };
  }
  return null;
}

/** The Set-Cookie value: host-only (no Domain), HttpOnly, SameSite=Lax, Secure over HTTPS. */
export function accessCookieHeader(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${ACCESS_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}
