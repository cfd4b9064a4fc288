// Pure (and fit for the browser: no Buffer): header values as people read them. HTTP carries a
// non-ASCII header value as raw bytes, UTF-8 nowadays (`X-Name: café`, a Content-Disposition's
// filename="résumé.pdf"). Node and undici read each byte as one Latin-1 character, so that is how
// the relay hands headers on, how the log stores them (headers.ts) and how a replay sends them again
// (undici writes them back as Latin-1: the same bytes). Shown as stored, "café" reads "cafÃ©": every
// view of a stored value goes through headerText, and text typed back goes through headerBytes.
import type { HeaderPair } from "./headers.ts";

/**
 * A stored value in pieces: text (UTF-8 decoded, or a character the log itself wrote, such as the
 * "…" of a value it cut) and, as numbers, bytes that are not part of any UTF-8 character.
 */
export type HeaderPiece = string | number;

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
// biome-ignore lint/suspicious/noControlCharactersInRegex: every ASCII character, controls too
const ASCII = /^[\x00-\x7f]*$/;

/**
 * How many bytes the UTF-8 character starting at `at` takes, or 0 when none starts there (a stray
 * continuation byte, an overlong form, a surrogate, past U+10FFFF, a character cut short): the
 * well-formed sequences of the Unicode standard's table 3-7, what a fatal TextDecoder accepts.
 */
function utf8Length(bytes: Uint8Array, at: number): number {
  const lead = bytes[at]!;
  if (lead < 0x80) return 1;
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead === 0xe0) low = 0xa0;
    else if (lead === 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead === 0xf0) low = 0x90;
    else if (lead === 0xf4) high = 0x8f;
  } else return 0;
  if (at + length > bytes.length) return 0;
  const second = bytes[at + 1]!;
  if (second < low || second > high) return 0;
  for (let i = at + 2; i < at + length; i++) if (bytes[i]! < 0x80 || bytes[i]! > 0xbf) return 0;
  return length;
}

/** A run of stored bytes decoded as UTF-8, where it is, into `pieces`. */
function pushDecoded(pieces: HeaderPiece[], bytes: Uint8Array): void {
  let start = 0;
  let at = 0;
  while (at < bytes.length) {
    const length = utf8Length(bytes, at);
    if (length > 0) {
      at += length;
      continue;
    }
    if (at > start) pieces.push(UTF8.decode(bytes.subarray(start, at)));
    pieces.push(bytes[at]!);
    at += 1;
    start = at;
  }
  if (at > start) pieces.push(UTF8.decode(bytes.subarray(start, at)));
}

/** `stored` (headers.ts: its bytes as Latin-1 characters) as text and stray bytes, in order. */
export function headerPieces(stored: string): HeaderPiece[] {
  if (ASCII.test(stored)) return stored === "" ? [] : [stored];
  const pieces: HeaderPiece[] = [];
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length > 0) pushDecoded(pieces, Uint8Array.from(bytes));
    bytes = [];
  };
  for (const char of stored) {
    const code = char.codePointAt(0)!;
    if (code <= 0xff) {
      bytes.push(code);
      continue;
    }
    // Not a byte: the log wrote it (the "…" at a cut, capLogText's U+FFFD), and it reads as itself.
    flush();
    pieces.push(char);
  }
  flush();
  return pieces;
}

/** A byte that is not UTF-8 as headerText shows it: \xE9. */
export function byteEscape(byte: number): string {
  return `\\x${byte.toString(16).toUpperCase().padStart(2, "0")}`;
}

/**
 * A stored header value as the dashboard, the exports and the CLI show it: UTF-8 decoded ("café"),
 * and any byte that is not part of a UTF-8 character escaped as \xE9 ("caf\xE9" for the Latin-1
 * café of an old client). Escaped rather than read as Latin-1, as Node reads it: an inspector is
 * where someone looks for the byte their app chokes on, and a Latin-1 "é" would pass for a UTF-8
 * one, hiding just that; bytes 0x80-0x9F would read as invisible control characters; and \xE9 is
 * also how the "As curl" command writes that byte (bash's $'…'), so both read the same.
 */
export function headerText(stored: string): string {
  if (ASCII.test(stored)) return stored;
  let text = "";
  for (const piece of headerPieces(stored)) text += typeof piece === "number" ? byteEscape(piece) : piece;
  return text;
}

/** A stored list's values as headerText shows them (hidden ones stay null). */
export function headerListText(headers: readonly HeaderPair[] | null): HeaderPair[] | null {
  return headers?.map(([name, value]) => [name, value === null ? null : headerText(value)]) ?? null;
}

/**
 * Text typed for a header value as the bytes a client sends it in, UTF-8, in the stored form
 * (Latin-1 characters, one a byte): what a replay hands to undici, and what a search of the stored
 * lists looks for.
 */
export function headerBytes(text: string): string {
  if (ASCII.test(text)) return text;
  let bytes = "";
  for (const byte of new TextEncoder().encode(text)) bytes += String.fromCharCode(byte);
  return bytes;
}

/** Whether `stored` is bytes only (nothing the log wrote into it, such as the "…" of a cut). */
export function isByteString(stored: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: every byte, controls too
  return /^[\x00-\xff]*$/.test(stored);
}
