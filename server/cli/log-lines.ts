import { type BodyView, viewKeptBodies } from "../../lib/request-logs/body-view.ts";
import type { FormPart } from "../../lib/request-logs/form-parts.ts";
import { headerText } from "../../lib/request-logs/header-text.ts";
import type { HeaderPair } from "../../lib/request-logs/headers.ts";
import type { RequestBodies, RequestLogRow } from "../../lib/request-logs/query.ts";
import { ACCESS_PAGES, REQUEST_LOG_ERRORS, waitingState } from "../../lib/request-logs/row.ts";
import type { WebSocketSide } from "../../lib/request-logs/websocket-view.ts";
// The dashboard's units (decimal kB, MB), so a row reads the same in both; limits in binary units.
import { formatBinaryBytes, formatBytes, truncate } from "../../lib/web/format.ts";
import { sanitize } from "../ssh/terminal.ts";
import { formatDuration, formatTime } from "./format.ts";

/** NOTE of a request still waiting for the app's answer: the dashboard's "Waiting / for your app". */
const WAITING_NOTE = "waiting for your app";
/** NOTE of one that was waiting when its relay stopped: it never got an answer. */
const NO_ANSWER_NOTE = "no answer";

/** The longest error or access page a row can note (a share link's label is cut to it). */
const NOTE_WIDTH = Math.max(
  ...[...REQUEST_LOG_ERRORS, ...ACCESS_PAGES, WAITING_NOTE].map((note) => note.length),
);

// One request a line, as `burrow logs` and the relay's `ssh … logs` print the log.

export const LOG_HEADERS = [
  "TIME",
  "METHOD",
  "PATH",
  "STATUS",
  "DURATION",
  "SIZE",
  // What the relay noted: why it answered instead of the app (its error, or its access page), or
  // how the request ended (the visitor went away): not always an answer of the relay's.
  "NOTE",
  // Last: an IPv6 address is up to 39 characters and would push any column after it out of line.
  "CLIENT IP",
];
/**
 * Fixed widths rather than a fitted table, so lines printed later by --follow line up. METHOD fits
 * "GET (ws)"; SIZE fits "99.9 MB out"; NOTE the longest error or access page.
 */
const WIDTHS = [19, 8, 40, 6, 8, 11, NOTE_WIDTH];
const METHOD_WIDTH = WIDTHS[1]!;
const PATH_WIDTH = WIDTHS[2]!;

export function formatLine(cells: string[]): string {
  return cells
    .map((cell, i) => cell.padEnd(WIDTHS[i] ?? 0))
    .join("  ")
    .trimEnd();
}

/** What a log line shows of a row. */
export type LogLineRow = Pick<
  RequestLogRow,
  | "at"
  | "method"
  | "upgrade"
  | "path"
  | "status"
  | "openState"
  | "durationMs"
  | "bytesIn"
  | "bytesOut"
  | "clientIp"
  | "error"
  | "accessPage"
  | "admission"
  | "shareLinkLabel"
>;

/**
 * A row's cells; `time` writes its time (the machine's local time by default), `now` is when the
 * line is printed (how long a request still waiting for the app has waited).
 */
export function toCells(
  row: LogLineRow,
  time: (at: Date) => string = formatTime,
  now: number = Date.now(),
): string[] {
  const waiting = waitingState(row);
  return [
    time(row.at),
    // Cut to their columns (with "…"), or every column after them would shift right.
    truncate(row.upgrade ? `${row.method} (ws)` : row.method, METHOD_WIDTH),
    truncate(sanitize(row.path), PATH_WIDTH),
    // A request written while it waited for the app has no status yet ("0" read as an answer):
    // "…" while it waits, "-" when it never got one; NOTE says which. An open WebSocket or stream
    // has its real status (101, 200) and reads "open" under DURATION.
    waiting === "waiting" ? "…" : waiting === "no_answer" ? "-" : String(row.status),
    waiting === "waiting"
      ? // How long it has waited so far (as the dashboard's count), in the column's units.
        formatDuration(Math.max(0, now - row.at.getTime()))
      : row.openState === "open"
        ? "open"
        : row.openState === "unrecorded"
          ? "unknown"
          : formatDuration(row.durationMs),
    row.openState === "open" ? "-" : size(row),
    note(row, waiting),
    row.clientIp,
  ];
}

/**
 * Its error or access page (e.g. client_aborted, password_wrong); else, for a request written while
 * it waited for the app, that it still is or never got an answer, in the dashboard's words; and how
 * it was let in when that was not simply public, as the dashboard's Access column says it: a replay
 * must not pass for a visitor's request. A waiting request was let in too (a password, a share link):
 * both are said, "waiting" short for "waiting for your app" to fit the column.
 */
function note(row: LogLineRow, waiting: ReturnType<typeof waitingState>): string {
  if (row.error ?? row.accessPage) return row.error ?? row.accessPage ?? "";
  const admitted = admissionNote(row);
  if (waiting === null) return admitted;
  if (!admitted) return waiting === "waiting" ? WAITING_NOTE : NO_ANSWER_NOTE;
  // Cut to the column (a share link's label), or CLIENT IP would go out of line.
  return truncate(`${waiting === "waiting" ? "waiting" : NO_ANSWER_NOTE}, ${admitted}`, NOTE_WIDTH);
}

/** How the request was let in, when that was not simply public; cut to the column. */
function admissionNote(row: LogLineRow): string {
  switch (row.admission) {
    case "PASSWORD":
      return "password";
    case "SHARE_LINK":
      // Cut to the column: a long label would push CLIENT IP out of line.
      return row.shareLinkLabel === null
        ? "share link"
        : truncate(`share link: ${sanitize(row.shareLinkLabel)}`, NOTE_WIDTH);
    case "REPLAY":
      return "replay";
    default:
      return "";
  }
}

/**
 * The larger of what the request sent in and what went back out, with its direction: an upload's
 * size is its request body, which the response's "31 B" alone would hide. In the dashboard's units
 * (decimal kB, MB), so the same row shows the same size in both.
 */
function size(row: Pick<RequestLogRow, "bytesIn" | "bytesOut">): string {
  return row.bytesIn > row.bytesOut ? `${formatBytes(row.bytesIn)} in` : `${formatBytes(row.bytesOut)} out`;
}

/**
 * A row's headers for `burrow logs --headers`, as curl -v shows them: "> " sent by the visitor, "< "
 * answered by the app; values as the dashboard shows them (headerText: "café", a byte that is not
 * UTF-8 as \xE9), with nothing a terminal would obey.
 */
export function headerLines(row: Pick<RequestLogRow, "requestHeaders" | "responseHeaders">): string[] {
  const lines = (mark: string, headers: HeaderPair[] | null) =>
    (headers ?? []).map(
      ([name, value]) =>
        `    ${mark} ${sanitize(name)}: ${value === null ? "(hidden)" : sanitize(headerText(value))}`,
    );
  return [...lines(">", row.requestHeaders), ...lines("<", row.responseHeaders)];
}

/**
 * A row's kept bodies for `burrow logs --bodies`, each line marked like its headers: "> " the
 * visitor's, "< " the app's. Text is decompressed and shown line by line, a form's fields or parts
 * one a line; other content is described.
 */
export async function bodyLines(kept: RequestBodies): Promise<string[]> {
  const { request, response, websocket } = await viewKeptBodies(kept);
  if (websocket) return messageLines(websocket.visitor, websocket.app);
  const side = (mark: string, view: BodyView | null) => {
    if (!view || view.size === 0) return [];
    if (view.parts) {
      const lines = view.parts.map((part) => `    ${mark} ${sanitize(part.name)}: ${partText(part)}`);
      if (view.truncated)
        lines.push(`    ${mark} … (first ${formatBinaryBytes(view.kept)} of ${formatBytes(view.size)} kept)`);
      return lines;
    }
    // A form post's fields decoded, as the details list them and as a multipart form's parts are
    // printed: "b=two%20words" is how the browser encoded it, not what the visitor typed. (None for
    // a cut body, whose last field may be cut: its text then, as far as it goes.)
    if (view.fields && view.fields.length > 0) {
      return view.fields.map(([name, value]) => `    ${mark} ${oneLine(name)}: ${oneLine(value)}`);
    }
    if (view.text === null) {
      return [
        `    ${mark} (binary, ${formatBytes(view.size)}${view.undecoded ? `: ${view.undecoded}` : ""})`,
      ];
    }
    const lines = view.text.split(/\r?\n/).map((line) => `    ${mark} ${sanitize(line)}`);
    if (view.truncated)
      lines.push(`    ${mark} … (first ${formatBinaryBytes(view.kept)} of ${formatBytes(view.size)} kept)`);
    return lines;
  };
  return [...side(">", request), ...side("<", response)];
}

/** A form part on one line: a field's value, or "photo.jpg (image/jpeg, 1.2 MB)" for a file. */
function partText(part: FormPart): string {
  const value = part.text === null ? "" : oneLine(part.text);
  if (part.filename === null) return `${value}${part.cut ? " …" : ""}`;
  const size = `${formatBytes(part.size)}${part.cut ? " kept, cut" : ""}`;
  return `${sanitize(part.filename)} (${part.contentType}, ${size})${value ? `: ${value}` : ""}`;
}

/** A visitor's text on one line of at most 200 characters, with nothing a terminal would obey. */
function oneLine(text: string): string {
  return truncate(sanitize(text.replaceAll(/\r?\n/g, " ")), 200);
}

/**
 * A WebSocket's kept messages, one line each: "> text: …" the visitor's, "< close 1000: bye" the
 * app's. When the relay noted when each arrived, both sides in the order they were sent, each with
 * its time since the handshake ("> +1.204s text: …"); otherwise the visitor's, then the app's.
 */
function messageLines(visitor: WebSocketSide, app: WebSocketSide): string[] {
  const sent = [
    ...visitor.messages.map((message) => ({ mark: ">", message })),
    ...app.messages.map((message) => ({ mark: "<", message })),
  ];
  const timed = sent.length > 0 && sent.every(({ message }) => message.atMs !== null);
  // A stable sort: each side keeps its order, and the visitor's goes first at the same moment.
  if (timed) sent.sort((a, b) => a.message.atMs! - b.message.atMs!);
  const lines = sent.map(({ mark, message }) => {
    // Seconds to the millisecond: lines up, and a message right after the handshake reads +0.000s.
    const at = timed ? `+${(message.atMs! / 1000).toFixed(3)}s ` : "";
    const head = `${message.kind}${message.code !== null ? ` ${message.code}` : ""}`;
    const body =
      message.text !== null
        ? oneLine(message.text)
        : message.preview !== null
          ? `(${formatBytes(message.size)}) ${message.preview}`
          : "";
    return `    ${mark} ${at}${head}${body ? `: ${body}` : ""}${message.partial ? " …" : ""}`;
  });
  for (const [mark, side] of [
    [">", visitor],
    ["<", app],
  ] as const) {
    if (side.more > 0) lines.push(`    ${mark} … ${side.more} more`);
    if (side.problem) lines.push(`    ${mark} (${side.problem})`);
  }
  return lines;
}
