import type { NewRequestLog } from "../lib/request-logs/row.ts";

/**
 * The COPY a batch of request log rows goes through (text format, columns in the order copyText
 * writes them). COPY is PostgreSQL's bulk path: measured here in psql, 100,000 rows in 500-row
 * batches took 0.76 s against 1.29 s for the json_to_recordset INSERT, and every proxied request
 * pays for its row on the same 2 cores as the relay.
 */
export const COPY_SQL = `COPY request_logs
  (at, name, session_id, method, path, status, duration_ms, bytes_in, bytes_out, client_ip,
   user_agent, upgrade, admission, share_link_id, error, access_page, request_headers, response_headers,
   request_body, response_body, response_body_decoded, replay_of, open, stream_key, frame_times)
FROM STDIN`;

/** COPY's text format spells NULL as \N; a backslash, tab, newline or CR inside a value is escaped. */
const NULL = "\\N";
const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

function text(value: string | null): string {
  if (value === null) return NULL;
  // Most values need no escape: test first (a non-global regex, so no lastIndex state), then replace.
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : value;
}

/**
 * A body kept as hex (lib/request-logs/bodies.ts) in bytea's hex input form, "\\x…", its
 * backslash escaped for COPY's text format. Hex digits need no other escape.
 */
function bytea(hex: string | null): string {
  return hex === null ? NULL : `\\\\x${hex}`;
}

/**
 * The rows as COPY text-format data (UTF-8), one line per row, values stored exactly as given, in
 * chunks of about 64 KiB made as the COPY consumes them.
 *
 * Not one string for the batch: a batch is a second's worth of rows (thousands under load), and
 * each line's template makes a chain of intermediate strings that a joined string keeps alive until
 * it is sent. V8 moved them to the old generation mid-batch (several MB a second at 64 busy
 * connections), growing the relay's heap, and RSS, by tens of MB between full collections. Here a
 * line is garbage once copied into its chunk, and a chunk once sent: both die young.
 */
export function* copyData(rows: readonly NewRequestLog[]): Generator<Buffer> {
  let chunk = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
  let length = 0;
  for (const r of rows) {
    const line = `${r.at.toISOString()}\t${text(r.name)}\t${text(r.sessionId)}\t${text(r.method)}\t${text(r.path)}\t${r.status}\t${r.durationMs}\t${r.bytesIn}\t${r.bytesOut}\t${text(r.clientIp)}\t${text(r.userAgent)}\t${r.upgrade ? "t" : "f"}\t${r.admission}\t${text(r.shareLinkId)}\t${text(r.error)}\t${text(r.accessPage)}\t${text(r.requestHeaders)}\t${text(r.responseHeaders)}\t${bytea(r.requestBody)}\t${bytea(r.responseBody)}\t${bytea(r.responseBodyDecoded)}\t${text(r.replayOf)}\t${r.open ? "t" : "f"}\t${text(r.streamKey)}\t${text(r.frameTimes)}\n`;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const most = line.length * 3;
    if (length + most > chunk.length) {
      if (length > 0) yield chunk.subarray(0, length);
      chunk = Buffer.allocUnsafe(Math.max(COPY_CHUNK_BYTES, most));
      length = 0;
    }
    length += chunk.write(line, length);
    // A row larger than a chunk was given one of its own: it leaves at once.
    if (length >= COPY_CHUNK_BYTES) {
      yield chunk.subarray(0, length);
      chunk = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
      length = 0;
    }
  }
  if (length > 0) yield chunk.subarray(0, length);
}

const COPY_CHUNK_BYTES = 64 * 1024;
