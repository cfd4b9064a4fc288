import type { Db } from "../lib/db.ts";
import type { Logger } from "../lib/logger.ts";
import { deleteRequestLogsBefore, retentionCutoff } from "../lib/request-logs/retention.ts";
import { PeriodicTask } from "./periodic-task.ts";
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
  readonly #task: PeriodicTask;
  /** Aborted by stop(): a run in progress ends after its batch. */
  readonly #stopping = new AbortController();

  constructor(options: LogRetentionOptions) {
    this.#options = options;
    this.#task = new PeriodicTask(
      () =>
        this.run().catch((error: unknown) =>
          options.logger.warn("request log: could not delete old rows, retrying in an hour", {
            error: errorText(error),
          }),
        ),
      { intervalMs: options.intervalMs ?? HOUR_MS },
    );
  }

  start(): void {
    if (this.#options.days <= 0) return;
    this.#task.start(this.#options.firstRunMs ?? 60_000);
  }

  /** Stops the schedule and waits for a run in progress to finish its batch. Safe to call twice. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#task.stop();
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
}
