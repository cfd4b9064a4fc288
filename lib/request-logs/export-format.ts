// Pure: the request log's export formats (CSV for spreadsheets, JSON lines for scripts), shared by
// export.ts, the dashboard's download links and `burrow logs --json`.
import { z } from "zod";
import { downloadCheckField } from "../web/download-check.ts";
import type { FrameTimes } from "./bodies.ts";
import { headerListText, headerText } from "./header-text.ts";
import type { HeaderPair } from "./headers.ts";
import type { RequestLogRow, StoredBodies } from "./query.ts";
import { isWaitingForApp } from "./row.ts";

export const EXPORT_FORMATS = ["csv", "ndjson"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const exportFormatSchema = z.enum(EXPORT_FORMATS, { message: "Choose csv or ndjson" });

/** An export's own parameters, from the download link's search params (the log's filters aside). */
export const exportOptionsSchema = z
  .object({
    format: z.preprocess((v) => v ?? "csv", exportFormatSchema),
    bodies: z
      .enum(["0", "1"], { message: "Use bodies=1 for bodies, or leave it out" })
      .optional()
      .transform((v) => v === "1"),
    check: downloadCheckField,
  })
  .refine((o) => !o.bodies || o.format === "ndjson", {
    message: "Bodies go only into JSON lines (format=ndjson)",
    path: ["bodies"],
  });

/**
 * At most this many rows in one file, the newest: bounds what one click costs the server. Narrow
 * the filters (a time range) for older rows.
 */
export const EXPORT_MAX_ROWS = 100_000;

/**
 * One exported request: the row as the dashboard shows it, in a shape that is documented (README,
 * "Export") and kept: the row's own fields where their names say what they are, renamed where the
 * log's internal names would not. Header values (the user agent too) are text as headerText reads
 * them: UTF-8 decoded, a byte that is not UTF-8 written \xE9.
 */
export type ExportedRequest = Pick<
  RequestLogRow,
  | "id"
  | "method"
  | "path"
  | "status"
  | "durationMs"
  | "bytesIn"
  | "bytesOut"
  | "clientIp"
  | "userAgent"
  | "requestHeaders"
  | "responseHeaders"
  | "bodiesKept"
  | "replayOf"
  | "openState"
> & {
  /** ISO 8601, UTC. */
  at: string;
  websocket: boolean;
  /** How the visitor was let in (PUBLIC, PASSWORD, SHARE_LINK), DENIED, or REPLAY (sent again by the owner). */
  access: RequestLogRow["admission"];
  /** The share link's label, while the link exists (null once its owner removed it). */
  shareLink: string | null;
  /** Why the relay answered instead of the app (e.g. tunnel_offline, password_wrong); null when the app did. */
  answeredByRelay: string | null;
  /**
   * The request is still waiting for the app's answer (waitingState): its row was written before
   * the answer came, so `status` is 0 (not an answer) and `openState` "open" until it does; it is
   * exported again completed once it has. A status 0 with openState "unrecorded" and `waiting`
   * false never got one (the relay stopped meanwhile).
   */
  waiting: boolean;
};

/**
 * A kept body in a JSON export, byte for byte as it crossed the relay (a compressed answer still
 * compressed, a WebSocket side's frames as sent): UTF-8 text as text, anything else as base64.
 */
export interface ExportedBody {
  encoding: "utf8" | "base64";
  data: string;
}

/** A request with its kept bodies (null: not kept), for JSON lines with bodies. */
export type ExportedRequestWithBodies = ExportedRequest & {
  requestBody: ExportedBody | null;
  responseBody: ExportedBody | null;
  /** A WebSocket's: when each kept chunk of each side's frames arrived (FrameTimes); else null. */
  frameTimes: FrameTimes | null;
};

// ignoreBOM: a body starting with a byte-order mark keeps it (byte for byte).
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function exportedBody(bytes: Uint8Array | null): ExportedBody | null {
  if (bytes === null) return null;
  try {
    return { encoding: "utf8", data: UTF8.decode(bytes) };
  } catch {
    return { encoding: "base64", data: Buffer.from(bytes).toString("base64") };
  }
}

/** An exported request with its kept bodies (keptBodiesOf; undefined or null where none were kept). */
export function withBodies(
  request: ExportedRequest,
  kept: StoredBodies | undefined,
): ExportedRequestWithBodies {
  return {
    ...request,
    requestBody: exportedBody(kept?.request ?? null),
    responseBody: exportedBody(kept?.response ?? null),
    frameTimes: kept?.frameTimes ?? null,
  };
}

export function toExportedRequest(row: RequestLogRow): ExportedRequest {
  return {
    id: row.id,
    at: row.at.toISOString(),
    method: row.method,
    path: row.path,
    status: row.status,
    durationMs: Math.round(row.durationMs * 1000) / 1000,
    bytesIn: row.bytesIn,
    bytesOut: row.bytesOut,
    clientIp: row.clientIp,
    userAgent: row.userAgent === null ? null : headerText(row.userAgent),
    websocket: row.upgrade,
    access: row.admission,
    shareLink: row.shareLinkLabel,
    answeredByRelay: row.error ?? row.accessPage,
    requestHeaders: headerListText(row.requestHeaders),
    responseHeaders: headerListText(row.responseHeaders),
    bodiesKept: row.bodiesKept,
    replayOf: row.replayOf,
    openState: row.openState,
    // A field of its own, and `status` stays the number 0: scripts that read status as a number
    // (jq 'select(.status >= 500)') keep working, and the row's status column is 0 in the log.
    waiting: isWaitingForApp(row),
  };
}

export const CSV_COLUMNS = [
  "id",
  "time",
  "method",
  "path",
  "status",
  "duration_ms",
  "bytes_in",
  "bytes_out",
  "client_ip",
  "user_agent",
  "websocket",
  "access",
  "share_link",
  "answered_by_relay",
  "request_headers",
  "response_headers",
  // Last, so that columns added later leave the earlier ones where spreadsheets expect them.
  "replay_of",
  "open_state",
  // "true" while the request waits for the app's answer. Its status cell stays 0, not "waiting":
  // a spreadsheet ranks any text above every number, so a status filter or sort of ">= 500" would
  // count a waiting request among the errors.
  "waiting",
] as const;

/**
 * One CSV field (RFC 4180). Paths, user agents and headers are written by visitors: text a
 * spreadsheet would run as a formula (=, +, -, @, tab, CR first) is prefixed with a quote mark,
 * as OWASP advises, so opening the file cannot run what a visitor typed.
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return "";
  if (typeof value !== "string") return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Headers one per line in their cell, as curl -v prints them. */
function headerCell(headers: HeaderPair[] | null): string | null {
  if (!headers) return null;
  return headers.map(([name, value]) => `${name}: ${value ?? "(hidden)"}`).join("\n");
}

export function csvLine(request: ExportedRequest): string {
  return `${[
    request.id,
    request.at,
    request.method,
    request.path,
    request.status,
    request.durationMs,
    request.bytesIn,
    request.bytesOut,
    request.clientIp,
    request.userAgent,
    request.websocket,
    request.access,
    request.shareLink,
    request.answeredByRelay,
    headerCell(request.requestHeaders),
    headerCell(request.responseHeaders),
    request.replayOf,
    request.openState,
    request.waiting,
  ]
    .map(csvField)
    .join(",")}\r\n`;
}

/**
 * e.g. "shop-requests-2026-12-03T1204Z.csv" or "shop-requests-with-bodies-….ndjson": the name
 * (letters, digits, dashes) and when.
 */
export function exportFileName(name: string, format: ExportFormat, now: Date, bodies = false): string {
  const stamp = now.toISOString().slice(0, 16).replace(":", "");
  return `${name}-requests-${bodies ? "with-bodies-" : ""}${stamp}Z.${format === "csv" ? "csv" : "ndjson"}`;
}
