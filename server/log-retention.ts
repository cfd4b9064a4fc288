import type { Db } from "../lib/db.ts";
import type { Logger } from "../lib/logger.ts";
import { deleteRequestLogsBefore, retentionCutoff } from "../lib/request-logs/retention.ts";
import { errorText } from "./sessions/session-recorder.ts";

const HOUR_MS = 60 * 60 * 1000;

export interface LogRetentionOptions {
  db: Db;
  logger: Logger;
  /** BURROW_LOG_RETENTION_DAYS; 0 keeps every row and never runs. */
  days: number;
  /** Delay of the first run after start (default 1 minute: start-up is busy enough). */
  firstRunMs?: number;
  /** Between runs (default 1 hour). */
  intervalMs?: number;
}

/**
 * Deletes request-log rows older than the retention period: a minute after the relay starts, then
 * every hour. A run that fails (database down) is logged and the next one catches up; nothing here
 * is on the request path.
 */
export class LogRetention {
  readonly #options: LogRetentionOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  /** Aborted by stop(): no run is scheduled any more, and one in progress ends after its batch. */
  readonly #stopping = new AbortController();

  constructor(options: LogRetentionOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#options.days <= 0 || this.#stopping.signal.aborted) return;
    this.#schedule(this.#options.firstRunMs ?? 60_000);
  }

  /** Stops the schedule and waits for a run in progress to finish its batch. Safe to call twice. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** One pass: deletes what is past the retention period now; resolves with the count. */
  async run(now = new Date()): Promise<number> {
    const cutoff = retentionCutoff(this.#options.days, now);
    if (!cutoff) return 0;
    const deleted = await deleteRequestLogsBefore(this.#options.db, cutoff, {
      signal: this.#stopping.signal,
    });
    if (deleted > 0) {
      this.#options.logger.info("request log: deleted rows past the retention period", {
        deleted,
        days: this.#options.days,
      });
    }
    return deleted;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#running = this.run()
        .then(
          () => {},
          (error: unknown) =>
            this.#options.logger.warn("request log: could not delete old rows, retrying in an hour", {
              error: errorText(error),
            }),
        )
        .finally(() => {
          this.#running = undefined;
          if (!this.#stopping.signal.aborted) this.#schedule(this.#options.intervalMs ?? HOUR_MS);
        });
    }, delayMs);
    this.#timer.unref();
  }
}
