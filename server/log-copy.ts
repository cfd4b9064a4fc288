import type { NewRequestLog } from "../lib/request-logs/row.ts";
import { storedRowSchema } from "./log-spool.ts";

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
 * chunks of at most 64 KiB (CopyBlocks; a larger row is a chunk of its own) made as the COPY
 * consumes them; rows queued as a CopyBlock go as the block holds them.
 *
 * Not one string for the batch: a batch is a second's worth of rows (thousands under load), and
 * each line's template makes a chain of intermediate strings that a joined string keeps alive until
 * it is sent. V8 moved them to the old generation mid-batch (several MB a second at 64 busy
 * connections), growing the relay's heap, and RSS, by tens of MB between full collections. Here a
 * line is garbage once copied into its chunk, and a chunk once sent: both die young.
 */
export function* copyData(rows: readonly (NewRequestLog | CopyBlock)[]): Generator<Buffer> {
  let block = new CopyBlock();
  for (const r of rows) {
    if (r instanceof CopyBlock) {
      // Already COPY data: sent as it is, after what was gathered before it.
      if (block.count > 0) {
        yield block.data();
        block = new CopyBlock();
      }
      if (r.count > 0) yield r.data();
      continue;
    }
    if (block.add(r)) continue;
    yield block.data();
    block = new CopyBlock();
    block.add(r);
  }
  if (block.count > 0) yield block.data();
}

/** One row as a line of COPY text-format data, in COPY_SQL's column order. */
export function copyLine(r: NewRequestLog): string {
  return `${r.at.toISOString()}\t${text(r.name)}\t${text(r.sessionId)}\t${text(r.method)}\t${text(r.path)}\t${r.status}\t${r.durationMs}\t${r.bytesIn}\t${r.bytesOut}\t${text(r.clientIp)}\t${text(r.userAgent)}\t${r.upgrade ? "t" : "f"}\t${r.admission}\t${text(r.shareLinkId)}\t${text(r.error)}\t${text(r.accessPage)}\t${text(r.requestHeaders)}\t${text(r.responseHeaders)}\t${bytea(r.requestBody)}\t${bytea(r.responseBody)}\t${bytea(r.responseBodyDecoded)}\t${text(r.replayOf)}\t${r.open ? "t" : "f"}\t${text(r.streamKey)}\t${text(r.frameTimes)}\n`;
}

/**
 * Rows already turned into COPY data when they were queued, in one buffer that grows as rows are
 * added (from 1 KiB, doubling, to 64 KiB; a row larger than that gets a block of its own).
 *
 * Why: rows wait up to a second for their write, and a second is dozens of young-generation
 * collections at 64 busy connections, so every queued row object (with its Date and strings) was
 * copied twice and promoted to the old generation, to be marked and swept there: about 0.4 KB a
 * request (--trace-gc-nvp), and tens of MiB of the relay's peak RSS under that load. Bytes in a
 * Buffer live outside V8's heap; the block is one small object whatever it holds.
 */
export class CopyBlock {
  #bytes = Buffer.allocUnsafe(BLOCK_START_BYTES);
  #length = 0;
  /** Rows in the block. */
  count = 0;
  /** The names of its rows, for announcing them once written. */
  readonly names = new Set<string>();

  /** Adds a row, unless the block is full: then false, and the caller starts another block. */
  add(row: NewRequestLog): boolean {
    const line = copyLine(row);
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const most = line.length * 3;
    const needed = this.#length + most;
    if (this.count > 0 && needed > BLOCK_MAX_BYTES) return false;
    if (needed > this.#bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(this.#bytes.length * 2, BLOCK_MAX_BYTES)));
      this.#bytes.copy(grown, 0, 0, this.#length);
      this.#bytes = grown;
    }
    this.#length += this.#bytes.write(line, this.#length);
    this.count += 1;
    this.names.add(row.name);
    return true;
  }

  /** The block's COPY data. */
  data(): Buffer {
    return this.#bytes.subarray(0, this.#length);
  }

  /** The block's rows read back (for the spool, which needs them as rows); see parseCopyData. */
  rows(): { rows: NewRequestLog[]; unreadable: number } {
    return parseCopyData(this.data().toString("utf8"));
  }
}

const BLOCK_START_BYTES = 1024;
const BLOCK_MAX_BYTES = 64 * 1024;

const UNESCAPES: Record<string, string> = { "\\": "\\", t: "\t", n: "\n", r: "\r" };

/** A COPY text-format value as written by text(): null for \N, escapes undone. */
function untext(value: string): string | null {
  if (value === NULL) return null;
  return value.includes("\\") ? value.replace(/\\(.)/g, (_, c: string) => UNESCAPES[c] ?? c) : value;
}

/** A value written by bytea(): its hex, or null. */
function unbytea(value: string): string | null {
  return value === NULL ? null : value.slice(3);
}

/**
 * Rows from COPY data written by copyLine, checked by the spool's schema (the shape a row has when
 * read back from anywhere outside the process). A line that does not read back (none should) is
 * counted, never thrown: this runs while the log writer handles an outage.
 */
export function parseCopyData(data: string): { rows: NewRequestLog[]; unreadable: number } {
  const rows: NewRequestLog[] = [];
  let unreadable = 0;
  for (const line of data.split("\n")) {
    if (line === "") continue;
    const f = line.split("\t");
    if (f.length !== 25) {
      unreadable += 1;
      continue;
    }
    const row = storedRowSchema.safeParse({
      at: f[0],
      name: untext(f[1]!),
      sessionId: untext(f[2]!),
      method: untext(f[3]!),
      path: untext(f[4]!),
      status: Number(f[5]),
      durationMs: Number(f[6]),
      bytesIn: Number(f[7]),
      bytesOut: Number(f[8]),
      clientIp: untext(f[9]!),
      userAgent: untext(f[10]!),
      upgrade: f[11] === "t",
      admission: f[12],
      shareLinkId: untext(f[13]!),
      error: untext(f[14]!),
      accessPage: untext(f[15]!),
      requestHeaders: untext(f[16]!),
      responseHeaders: untext(f[17]!),
      requestBody: unbytea(f[18]!),
      responseBody: unbytea(f[19]!),
      responseBodyDecoded: unbytea(f[20]!),
      replayOf: untext(f[21]!),
      open: f[22] === "t",
      streamKey: untext(f[23]!),
      frameTimes: untext(f[24]!),
    });
    if (row.success) rows.push(row.data);
    else unreadable += 1;
  }
  return { rows, unreadable };
}
