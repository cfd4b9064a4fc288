// Pure: the owner's edited request ("Edit and send"), as typed in the request details: its schema,
// the kept headers as the text the form starts from, and the edited ones as the bytes to send.
import { z } from "zod";
import { BODY_KEEP_BYTES } from "./bodies.ts";
import { headerBytes, headerText, isByteString } from "./header-text.ts";
import { type HeaderPair, LOG_HEADER_VALUE_MAX, LOG_HEADERS_MAX, LOG_HEADERS_TEXT_MAX } from "./headers.ts";
import { REQUEST_ID } from "./request-id.ts";
import { LOG_PATH_MAX } from "./row.ts";

/** An HTTP token (RFC 9110 §5.6.2), what a method and a header name are made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * A header value as typed, sent in UTF-8 (editedHeaderBytes): tabs, spaces and any character but a
 * control (DEL included) or half a surrogate pair, which HTTP cannot carry or UTF-8 cannot encode.
 */
const HEADER_VALUE = /^[\t\x20-\x7e\u{80}-\u{d7ff}\u{e000}-\u{10ffff}]*$/u;
/** A request target as the HTTP client sends one: no spaces or controls, Latin-1 at most. */
const PATH = /^\/[\x21-\x7e\x80-\xff]*$/;
/** What capLogText puts where it cut a path (row.ts). */
const CUT_MARK = "…";
/** Said under the path of a request whose path the log cut, before and after sending. */
export const CUT_PATH_MESSAGE = `The log cut this path at ${LOG_PATH_MAX} characters: … marks where the rest was. Type the rest (at most ${LOG_PATH_MAX} characters) or shorten it`;
/** Written by the relay from the body and its own connection, whatever the form says. */
const FRAMING = new Set(["content-length", "transfer-encoding", "expect", "connection", "keep-alive", "te"]);

/**
 * Parsed "Name: value" lines, in order: a list ([name, value, …]) without the framing ones, the
 * values as typed (editedHeaderBytes makes them bytes).
 */
function parseHeaderLines(text: string, ctx: z.RefinementCtx): string[] {
  const raw: string[] = [];
  let size = 0;
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).trim() : "";
    // Only HTTP's own white space: a value may end in a no-break space, and one left as the form
    // showed it must match its logged value (editedHeaderBytes).
    const value = colon > 0 ? line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "") : "";
    if (!TOKEN.test(name)) {
      ctx.addIssue({ code: "custom", message: `Line ${index + 1}: write it as Name: value` });
      return raw;
    }
    if (!HEADER_VALUE.test(value)) {
      ctx.addIssue({
        code: "custom",
        message: `Line ${index + 1}: ${name} holds a character a header cannot carry (a control character)`,
      });
      return raw;
    }
    if (FRAMING.has(name.toLowerCase())) continue;
    size += name.length + value.length;
    raw.push(name, value);
  }
  if (raw.length / 2 > LOG_HEADERS_MAX || size > LOG_HEADERS_TEXT_MAX) {
    ctx.addIssue({
      code: "custom",
      message: `At most ${LOG_HEADERS_MAX} headers and ${LOG_HEADERS_TEXT_MAX / 1024} KiB of them`,
    });
  } else if (!raw.some((_, i) => i % 2 === 0 && raw[i]!.toLowerCase() === "host")) {
    ctx.addIssue({ code: "custom", message: "Keep a Host line: your app may route by it" });
  }
  return raw;
}

export const editedReplaySchema = z.object({
  /** The logged request the edit started from (its visitor is the replay's). */
  id: z.string().regex(REQUEST_ID, { message: "No such request" }),
  method: z
    .string()
    .trim()
    .toUpperCase()
    .regex(TOKEN, { message: "A method is one word, like GET or POST" })
    .max(20, { message: "A method is one word, like GET or POST" })
    .refine((method) => method !== "CONNECT", { message: "CONNECT cannot be sent to an app" }),
  path: z
    .string()
    .trim()
    .max(LOG_PATH_MAX, { message: `At most ${LOG_PATH_MAX} characters` })
    // A path the log cut ends in "…", which no request target can hold: the real problem is the
    // missing end, not the character (abort: the general rule below would say the wrong thing).
    .refine((path) => !path.includes(CUT_MARK), { message: CUT_PATH_MESSAGE, abort: true })
    .regex(PATH, { message: "Start with / and leave no spaces (encode them as %20)" }),
  headers: z.string().transform(parseHeaderLines),
  body: z.string().refine((body) => new TextEncoder().encode(body).length <= BODY_KEEP_BYTES, {
    message: `At most ${BODY_KEEP_BYTES / 1024} KiB, what the log keeps`,
  }),
});

export type EditedReplay = z.output<typeof editedReplaySchema>;

/** A raw header list (stored form, headers.ts) as the form's text, one "Name: value" a line. */
export function headerLines(raw: readonly string[]): string {
  const lines: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) lines.push(`${raw[i]}: ${headerText(raw[i + 1]!)}`);
  return lines.join("\n");
}

/**
 * The edited headers (as editedReplaySchema reads them: [name, text, …]) as the replay sends them,
 * in the stored form (headers.ts). A value left as the form showed it (headerLines) is sent as the
 * log kept it, byte for byte: one that is not UTF-8 too, which its text ("caf\xE9") would not give
 * back. Any other is sent as typed, in UTF-8. A value left as shown that the log cut (ending in
 * "…") is refused, as a cut path is: the problem says which.
 */
export function editedHeaderBytes(
  typed: readonly string[],
  logged: readonly HeaderPair[] | null,
): { headers: string[]; problem: null } | { headers: null; problem: string } {
  const shown = new Map<string, string>();
  for (const [name, value] of logged ?? []) {
    if (value === null) continue;
    // A name holds no colon (it is a token): name and text cannot run into each other.
    const key = `${name.toLowerCase()}:${headerText(value)}`;
    if (!shown.has(key)) shown.set(key, value);
  }
  const headers: string[] = [];
  for (let i = 0; i + 1 < typed.length; i += 2) {
    const name = typed[i]!;
    const text = typed[i + 1]!;
    const stored = shown.get(`${name.toLowerCase()}:${text}`);
    // Only the log writes a character that is no byte into a value: the "…" where it cut one.
    if (stored !== undefined && !isByteString(stored)) {
      return {
        headers: null,
        problem: `${name}: the log cut this value at ${LOG_HEADER_VALUE_MAX} characters; … marks where the rest was. Type the rest or shorten it`,
      };
    }
    headers.push(name, stored ?? headerBytes(text));
  }
  return { headers, problem: null };
}
