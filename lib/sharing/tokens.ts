import { createHash, randomBytes } from "node:crypto";

/** Query parameter that carries a share token: `https://<name>.<domain>/?burrow_share=<token>`. */
export const SHARE_PARAM = "burrow_share";

/** 256 random bits, URL-safe. Shown to the owner once; only its hash is stored. */
export function createShareToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, tokenHash: hashShareToken(token) };
}

/**
 * sha256 is enough here (unlike passwords): the token has 256 bits of entropy, so a stolen hash
 * cannot be brute-forced, and a fast hash lets the relay look tokens up by an indexed column.
 */
export function hashShareToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Tokens we issue are 43 base64url characters; anything else is rejected before any lookup. */
export function looksLikeShareToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
