// Pure: what "Bodies contain" looks for in kept bodies (query.ts compares them in SQL). Bodies are
// bytes, compared in encode(…, 'escape')'s spelling of them.
//
// A form post is also found by its fields as they read. A browser sends a form
// (application/x-www-form-urlencoded) percent-encoded, spaces as "+": `name=caf%C3%A9&q=a+b`, and
// the log keeps the body as sent, so a search for "café" or "a b" found nothing (QA).
//
// The search spells the text every way a form could have sent it, rather than the relay storing a
// decoded copy of each form body beside it (as it does for compressed answers): that would double
// what form posts take in the log and what a body search reads, and need a migration and the relay
// to decode every form it keeps, for rows most of which are never searched. One regular expression
// per search, not a list of spellings: encoders differ (a space is "+" or "%20"; "~", "!", "'" are
// encoded by some and not by others) and mix, and each kept body is read once whatever they did.

import { caseFoldPattern, hexEitherCase, needsUnicodeFold, regexLiteral } from "./case-fold.ts";

/** What PostgreSQL's encode(bytes, 'escape') makes of these bytes. */
export function bytesEscaped(bytes: Buffer): string {
  let out = "";
  for (const byte of bytes) {
    if (byte === 0x5c) out += "\\\\";
    else if (byte === 0 || byte >= 0x80) out += `\\${byte.toString(8).padStart(3, "0")}`;
    else out += String.fromCharCode(byte);
  }
  return out;
}

/** Bytes no encoder spells otherwise (RFC 3986's unreserved, less "~"): the search as typed finds them. */
const PLAIN = /^[A-Za-z0-9._-]$/;

/**
 * A PostgreSQL regular expression (for `~`) that matches a kept body, in encode(…, 'escape')'s
 * spelling, wherever it holds `text` with its letters in any case (case-fold.ts). Null when the
 * text is ASCII: ILIKE on that spelling folds it, and is what such a search uses.
 */
export function bodyTextPattern(text: string): string | null {
  if (!needsUnicodeFold(text)) return null;
  return caseFoldPattern(text, (char) => [regexLiteral(bytesEscaped(Buffer.from(char, "utf8")))]);
}

/**
 * A PostgreSQL regular expression (for `~`) that matches a kept body, in encode(…, 'escape')'s
 * spelling (query.ts), wherever it holds `text` as sent or in any spelling a form encoder could
 * have made of it, its letters in any case (case-fold.ts): each byte of the text as itself, as %XX
 * (either case) and, for a space, as "+". Null when the text has nothing an encoder spells
 * otherwise (letters, digits, "-", ".", "_"): the search as typed already finds it.
 */
export function formBodyPattern(text: string): string | null {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.every((byte) => PLAIN.test(String.fromCharCode(byte)))) return null;
  return caseFoldPattern(text, (char) => {
    let spelling = "";
    for (const byte of Buffer.from(char, "utf8")) {
      const literal = regexLiteral(bytesEscaped(Buffer.of(byte)));
      if (PLAIN.test(String.fromCharCode(byte))) {
        spelling += literal;
        continue;
      }
      const encoded = `%${hexEitherCase(byte)}`;
      spelling += byte === 0x20 ? `(?:${literal}|\\+|${encoded})` : `(?:${literal}|${encoded})`;
    }
    return [spelling];
  });
}
