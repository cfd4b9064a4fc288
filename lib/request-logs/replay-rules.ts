// Pure: which logged requests can be sent to the app again, and with what. The request details use
// it in the browser to say why before anyone clicks; the dashboard and the relay check it again.
import type { Admission } from "../generated/prisma/enums.ts";
import { CUT_NAME, type HeaderPair, LOG_HEADER_VALUE_MAX } from "./headers.ts";
import { LOG_PATH_MAX } from "./row.ts";

/** What deciding about a replay needs from a log row. */
export interface ReplayFacts {
  /** As stored (capped at LOG_PATH_MAX). */
  path: string;
  upgrade: boolean;
  accessPage: string | null;
  /** REPLAY for a request the relay sent again (replay or "Edit and send"), not a visitor's. */
  admission: Admission;
  /** Body bytes the relay read from the visitor. */
  bytesIn: number;
  /** Bytes of the request body the log kept; null when it kept none. */
  keptBodyBytes: number | null;
  requestHeaders: HeaderPair[] | null;
}

/**
 * Headers the replay never copies from the log: the relay frames the body itself (from the kept
 * bytes) and writes the connection's own headers, as for any request it forwards.
 */
const NOT_COPIED: ReadonlySet<string> = new Set(["content-length", "transfer-encoding", "expect"]);

/**
 * Why this request cannot be sent again exactly as the app first got it, or null when it can. A
 * replay that guessed (a body left out, half the headers) would show the app something no visitor
 * sent, so those are refused with the reason instead. Hidden credential headers are the exception:
 * the log never holds them, so a replay goes without them and the dashboard says so.
 *
 * The reason starts lower-case, to follow a colon ("Cannot be sent again: its body was not kept");
 * `sentence` makes it one on its own.
 */
export function replayProblem(facts: ReplayFacts): string | null {
  if (facts.upgrade) return "a WebSocket connection cannot be replayed";
  if (facts.accessPage !== null) {
    return "Burrow's access page answered this request; your app never saw it";
  }
  if (pathWasCut(facts.path)) return "its path was too long to keep whole";
  const headers = facts.requestHeaders;
  if (headers === null) return "its headers were not recorded, so it cannot be sent as it was";
  if (headers.some(([name, value]) => name === CUT_NAME || wasCut(value, LOG_HEADER_VALUE_MAX))) {
    return "some of its headers were not kept whole (too many or too long)";
  }
  // A replay's row holds the headers it was sent with, its framing written by the HTTP client (rows
  // from before server/http/replay.ts noted the Content-Length have none): the relay sent the whole
  // body it had, so what went in is all there was.
  const declared = facts.admission === "REPLAY" ? facts.bytesIn : declaredBodyLength(headers);
  if (facts.bytesIn === 0 && declared === 0) return null;
  if (facts.keptBodyBytes === null) return "its body was not kept (turn on “Keep bodies” for the next ones)";
  if (facts.keptBodyBytes < facts.bytesIn) return "only the start of its body was kept";
  if (declared !== null && declared !== facts.bytesIn) return "its body did not arrive whole";
  return null;
}

/** A reason (replayProblem's) as a sentence of its own, e.g. an error message. */
export function sentence(reason: string): string {
  return reason.charAt(0).toUpperCase() + reason.slice(1);
}

/**
 * Whether the log cut this stored path at LOG_PATH_MAX (its end replaced by "…"): the request's
 * URL is not whole, so neither a replay nor a curl command can be made from it.
 */
export function pathWasCut(path: string): boolean {
  return wasCut(path, LOG_PATH_MAX);
}

/** capLogText's mark: text at its cap (or one short, not to split a pair) ending in "…". */
function wasCut(text: string | null, max: number): boolean {
  return text !== null && text.length >= max - 1 && text.endsWith("…");
}

/**
 * The Content-Length the visitor sent (0 when none and not chunked), or null for a chunked body,
 * whose length only the bytes read tell.
 */
function declaredBodyLength(headers: HeaderPair[]): number | null {
  let length = 0;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === "transfer-encoding") return null;
    if (lower === "content-length" && value !== null && /^\d+$/.test(value.trim())) {
      length = Number(value.trim());
    }
  }
  return length;
}

/**
 * The stored headers as a raw list to send again ([name, value, …], Node's rawHeaders form): in
 * their order and spelling, without the hidden ones (the log has no value for them) and without
 * the framing headers the relay writes itself.
 */
export function replayHeaders(headers: HeaderPair[]): string[] {
  const raw: string[] = [];
  for (const [name, value] of headers) {
    if (value === null || name === CUT_NAME || NOT_COPIED.has(name.toLowerCase())) continue;
    raw.push(name, value);
  }
  return raw;
}

/** Names of the headers the log hid (credentials), each once: a replay goes without them. */
export function hiddenHeaderNames(headers: HeaderPair[] | null): string[] {
  const names: string[] = [];
  for (const [name, value] of headers ?? []) if (value === null && !names.includes(name)) names.push(name);
  return names;
}

/** The first value of a header (`name` lower-case) in a raw list. */
export function headerValue(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) return raw[i + 1];
  return undefined;
}
