import { z } from "zod";
import { capLogText } from "./row.ts";

/**
 * Request and response headers as a request log row keeps them (RequestLog.requestHeaders /
 * responseHeaders): a JSON array of [name, value] pairs in the order they were sent, repeats kept.
 * A value that may be a credential is stored as null ("hidden"), so the log never holds a secret
 * a visitor or the app sent. A list cut short by the caps ends with the pair [CUT_NAME, "<n> more"].
 * Values are kept as Node reads them, one Latin-1 character a byte (so a replay sends the same
 * bytes): a UTF-8 "café" is stored as "cafÃ©", and shown through headerText (header-text.ts).
 */
export type HeaderPair = [name: string, value: string | null];

/**
 * Headers kept per list; the rest are counted in the closing pair, but for the few that say how to
 * read the body (BODY_HEADERS), kept past it.
 */
export const LOG_HEADERS_MAX = 100;
/** Longest header value kept (ending in "…" when cut). */
export const LOG_HEADER_VALUE_MAX = 2048;
/** Longest header name kept. */
const LOG_HEADER_NAME_MAX = 256;
/** Characters of names and values kept per list; beyond it, the remaining headers are counted. */
export const LOG_HEADERS_TEXT_MAX = 16_384;
/** The name of the closing pair of a cut list. */
export const CUT_NAME = "…";

/** Headers that carry credentials by definition. */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
]);
/** Custom headers named like credentials (X-Api-Key, X-Auth-Token, X-Session-Id, X-Hub-Signature…). */
const SECRET_WORDS = /token|secret|passw|api-?key|credential|signature|session/;

/** True when a header's value is not kept (shown as hidden). */
export function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_NAMES.has(lower) || SECRET_WORDS.test(lower);
}

/**
 * isSecretHeader's answers by name as sent: a relay sees the same few dozen spellings over and over,
 * and this runs for every header of every logged request. Bounded, since names are the visitor's.
 */
const secretByName = new Map<string, boolean>();
const SECRET_CACHE_MAX = 2_000;

function isSecretCached(name: string): boolean {
  let secret = secretByName.get(name);
  if (secret === undefined) {
    secret = isSecretHeader(name);
    if (secretByName.size < SECRET_CACHE_MAX) secretByName.set(name, secret);
  }
  return secret;
}

/**
 * capLogText for a header, skipped when it cannot change anything: header text is decoded from bytes
 * (Latin-1 or UTF-8), which never yields a lone surrogate, so only the length and NUL matter.
 */
function capHeaderText(text: string, max: number): string {
  return text.length > max || text.includes("\u0000") ? capLogText(text, max) : text;
}

/**
 * The stored form of a raw header list (Node's [name, value, name, value, ...]): JSON text, or null
 * for an empty list. Runs once per logged request, so it is a plain loop.
 */
export function captureHeaders(raw: readonly string[] | undefined): string | null {
  if (!raw || raw.length === 0) return null;
  const slot = lastLists.findIndex((list) => sameList(list.raw, raw));
  if (slot !== -1) return lastLists[slot]!.stored;
  const stored = storeHeaders(raw);
  lastLists[nextSlot] = { raw, stored };
  nextSlot = (nextSlot + 1) % LAST_LISTS_MAX;
  return stored;
}

/**
 * The last few lists captured, as received, with their stored form. A tunnel's traffic repeats the
 * same lists (a client's request headers, the app's response headers, whose Date changes once a
 * second): comparing a list with one of these is a few string compares, against building, encoding
 * and interning it again. A handful covers the request and the response lists of a few clients.
 */
const lastLists: { raw: readonly string[]; stored: string | null }[] = [];
const LAST_LISTS_MAX = 8;
let nextSlot = 0;

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function storeHeaders(raw: readonly string[]): string | null {
  const pairs: HeaderPair[] = [];
  let size = 0;
  let i = 0;
  for (; i + 1 < raw.length && pairs.length < LOG_HEADERS_MAX; i += 2) {
    const name = capHeaderText(raw[i]!, LOG_HEADER_NAME_MAX);
    const value = isSecretCached(name) ? null : capHeaderText(raw[i + 1]!, LOG_HEADER_VALUE_MAX);
    size += name.length + (value?.length ?? 0);
    if (size > LOG_HEADERS_TEXT_MAX) break;
    pairs.push([name, value]);
  }
  let left = Math.floor((raw.length - i) / 2);
  if (left > 0) left -= keepBodyHeaders(raw, i, pairs);
  if (left > 0) pairs.push([CUT_NAME, `${left} more ${left === 1 ? "header" : "headers"} not kept`]);
  return intern(JSON.stringify(pairs));
}

/**
 * Headers that say how to read the kept body and the connection (lower-case): the log's body views,
 * decoding and form search go by them. A list cut by the caps still gets the first of each that it
 * had not kept yet, in the order they came: a client that sent 100 headers first (tracing, feature
 * flags) would otherwise leave its form post unsearchable and its gzip answer unreadable.
 */
const BODY_HEADERS: ReadonlySet<string> = new Set([
  "content-type",
  "content-encoding",
  "upgrade",
  "sec-websocket-extensions",
]);

/** Appends to a cut list the BODY_HEADERS of raw[from…] it lacks; returns how many it appended. */
function keepBodyHeaders(raw: readonly string[], from: number, pairs: HeaderPair[]): number {
  const missing = new Set(BODY_HEADERS);
  for (const [name] of pairs) missing.delete(name.toLowerCase());
  let added = 0;
  for (let i = from; missing.size > 0 && i + 1 < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (!missing.delete(lower)) continue;
    pairs.push([
      capHeaderText(raw[i]!, LOG_HEADER_NAME_MAX),
      capHeaderText(raw[i + 1]!, LOG_HEADER_VALUE_MAX),
    ]);
    added += 1;
  }
  return added;
}

/**
 * Recently stored lists, to share one copy among rows with the same headers. Rows wait up to a
 * second for their batch write, long enough for the garbage collector to move each one's text to
 * the old generation, and under load that copying was most of what keeping headers cost
 * (bench/request-logging.ts). Header lists repeat a lot (one browser's requests differ in little,
 * credentials are hidden), so a fresh list usually dies young and the row keeps a shared one.
 */
const recent = new Map<string, string>();
const RECENT_MAX = 512;

function intern(stored: string): string {
  const known = recent.get(stored);
  if (known !== undefined) return known;
  // Dropping them all at once is as good as an LRU here: the lists in use come back at once.
  if (recent.size >= RECENT_MAX) recent.clear();
  recent.set(stored, stored);
  return stored;
}

const storedSchema = z.array(z.tuple([z.string(), z.string().nullable()]));

/**
 * A stored list read back for display: null for none (rows from before headers were kept, pages
 * the relay answered itself) or for text that is not a header list.
 */
export function parseStoredHeaders(stored: string | null): HeaderPair[] | null {
  if (stored === null) return null;
  try {
    const parsed = storedSchema.safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The first kept value of header `name` (lower-case) in a stored list; null when absent or hidden. */
export function storedHeader(headers: readonly HeaderPair[] | null, name: string): string | null {
  for (const [key, value] of headers ?? []) if (key.toLowerCase() === name && value !== null) return value;
  return null;
}
