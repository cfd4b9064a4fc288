import { existsSync, readFileSync } from "node:fs";
import { appendFile, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { Admission } from "../lib/db.ts";
import type { Logger } from "../lib/logger.ts";
import { isBodyHex } from "../lib/request-logs/bodies.ts";
import { REQUEST_ID } from "../lib/request-logs/request-id.ts";
import {
  ACCESS_PAGES,
  type NewRequestLog,
  REQUEST_LOG_ERRORS,
  type RequestLogEnd,
  type RequestLogEntry,
} from "../lib/request-logs/row.ts";
import type { WriteTransaction } from "./log-database.ts";

/** The spool's name in BURROW_DATA_DIR. */
export const LOG_SPOOL_FILE = "request-log-spool.jsonl";

/**
 * A row as read back from outside the process (the spool file, a queued COPY block): checked, as a
 * crash can cut the spool's last line short.
 */
export const storedRowSchema = z.object({
  at: z.coerce.date().refine((date) => !Number.isNaN(date.getTime())),
  name: z.string(),
  sessionId: z.string().nullable(),
  method: z.string(),
  path: z.string(),
  status: z.number().int(),
  durationMs: z.number(),
  bytesIn: z.number(),
  bytesOut: z.number(),
  clientIp: z.string(),
  userAgent: z.string().nullable(),
  upgrade: z.boolean(),
  admission: z.enum(Admission),
  shareLinkId: z.string().nullable(),
  error: z.enum(REQUEST_LOG_ERRORS).nullable(),
  accessPage: z.enum(ACCESS_PAGES).nullable(),
  // Absent in spools written before headers were kept.
  requestHeaders: z.string().nullable().default(null),
  responseHeaders: z.string().nullable().default(null),
  // Absent in spools written before bodies were kept.
  requestBody: z.string().refine(isBodyHex).nullable().default(null),
  responseBody: z.string().refine(isBodyHex).nullable().default(null),
  responseBodyDecoded: z.string().refine(isBodyHex).nullable().default(null),
  // Absent in spools written before replays named their original.
  replayOf: z.string().regex(REQUEST_ID).nullable().default(null),
  // Absent in spools written before frame times were kept.
  frameTimes: z.string().nullable().default(null),
  // Absent in spools written before open rows.
  open: z.boolean().default(false),
  streamKey: z.string().nullable().default(null),
}) satisfies z.ZodType<NewRequestLog>;

/** One spooled end of a row written open (RequestLogEnd). */
const spooledEndSchema = z.object({
  kind: z.literal("end"),
  // Absent in spools written before checkpoints: every end was final.
  final: z.boolean().default(true),
  streamKey: z.string(),
  name: z.string(),
  // Absent in spools written before ends carried the answer's status: the row keeps its own.
  status: z.number().int().nullable().default(null),
  responseHeaders: z.string().nullable().default(null),
  durationMs: z.number(),
  bytesIn: z.number(),
  bytesOut: z.number(),
  error: z.enum(REQUEST_LOG_ERRORS).nullable(),
  requestBody: z.string().refine(isBodyHex).nullable(),
  responseBody: z.string().refine(isBodyHex).nullable(),
  responseBodyDecoded: z.string().refine(isBodyHex).nullable(),
  frameTimes: z.string().nullable().default(null),
}) satisfies z.ZodType<RequestLogEnd>;

const spooledEntrySchema = z.union([spooledEndSchema, storedRowSchema]);

/** A spooled row's write whose answer was lost (WriteTransaction): it may be stored already. */
const doubtSchema = z.object({ xid: z.string().regex(/^\d+$/), pid: z.number().int() });

/**
 * Entries whose last write lost its answer, with that write: written to the spool with them (a
 * `doubt` beside the row's fields), so the next run asks whether they are stored before writing
 * them again.
 */
export type Doubts = ReadonlyMap<RequestLogEntry, WriteTransaction>;

/**
 * Request-log rows the database could not take yet, kept in a file (JSON lines) in the data
 * directory, so that a relay stopped or crashed during a database outage loses none of them: the
 * next start reads them back and writes them first. The log writer keeps the file equal to the front
 * of its queue. A failing disk is logged once and never stops the relay: the spool is given up for
 * the rest of the run (its file removed if possible, so no row it can no longer keep in step comes
 * back twice) and the rows stay in memory.
 */
export class LogSpool {
  readonly file: string;
  readonly #logger: Logger;
  #failed = false;
  /** A write failed: the file may no longer match the writer's queue, so it is not used again. */
  #broken = false;

  constructor(file: string, logger: Logger) {
    this.file = file;
    this.#logger = logger;
  }

  /**
   * Rows an earlier run left, in order, and which of them it had in doubt (Doubts). Read
   * synchronously, once, at start. Lines that do not parse (a write cut short by a crash) are
   * skipped and counted in a warning.
   */
  load(): { entries: RequestLogEntry[]; doubts: Doubts } {
    const doubts = new Map<RequestLogEntry, WriteTransaction>();
    if (!existsSync(this.file)) return { entries: [], doubts };
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch (error) {
      this.#fail("read", error);
      return { entries: [], doubts };
    }
    const rows: RequestLogEntry[] = [];
    let unreadable = 0;
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        unreadable += 1;
        continue;
      }
      const row = spooledEntrySchema.safeParse(parsed);
      if (!row.success) {
        unreadable += 1;
        continue;
      }
      rows.push(row.data);
      const doubt = doubtSchema.safeParse((parsed as { doubt?: unknown }).doubt);
      if (doubt.success) doubts.set(row.data, doubt.data);
    }
    if (unreadable > 0) {
      this.#logger.warn("request log: unreadable lines in the spool file skipped", {
        file: this.file,
        lines: unreadable,
      });
    }
    return { entries: rows, doubts };
  }

  /** Adds rows at the end of the file. */
  async append(rows: readonly RequestLogEntry[], doubts?: Doubts): Promise<boolean> {
    if (this.#broken) return false;
    if (rows.length === 0) return true;
    try {
      await mkdir(dirname(this.file), { recursive: true });
      await appendFile(this.file, lines(rows, doubts), { mode: 0o600 });
      return true;
    } catch (error) {
      this.#fail("write", error);
      return false;
    }
  }

  /**
   * Makes the file hold exactly `rows` (none: removes it). Written beside it and renamed over it,
   * so a crash leaves the old contents or the new, never half of each.
   */
  async replace(rows: readonly RequestLogEntry[], doubts?: Doubts): Promise<boolean> {
    if (this.#broken) return false;
    try {
      if (rows.length === 0) {
        await rm(this.file, { force: true });
        return true;
      }
      const next = `${this.file}.next`;
      await writeFile(next, lines(rows, doubts), { mode: 0o600 });
      await rename(next, this.file);
      return true;
    } catch (error) {
      this.#fail("write", error);
      return false;
    }
  }

  /**
   * At shutdown, makes the file hold exactly `rows` even if the spool was given up during the run:
   * written whole, it need not be in step with anything, and the disk that was full or failing then
   * may have room again (an operator who frees space and restarts Burrow during a database outage
   * would otherwise lose every queued row).
   */
  async replaceAtShutdown(rows: readonly RequestLogEntry[], doubts?: Doubts): Promise<boolean> {
    this.#broken = false;
    try {
      await mkdir(dirname(this.file), { recursive: true });
    } catch (error) {
      this.#fail("write", error);
      return false;
    }
    return this.replace(rows, doubts);
  }

  #fail(action: "read" | "write", error: unknown): void {
    if (action === "write" && !this.#broken) {
      this.#broken = true;
      void rm(this.file, { force: true }).catch(() => {});
    }
    if (this.#failed) return;
    this.#failed = true;
    this.#logger.warn(`request log: cannot ${action} the spool file; rows are kept in memory only`, {
      file: this.file,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

function lines(rows: readonly RequestLogEntry[], doubts?: Doubts): string {
  let out = "";
  for (const row of rows) {
    const doubt = doubts?.get(row);
    out += `${JSON.stringify(doubt ? { ...row, doubt } : row)}\n`;
  }
  return out;
}
