/**
 * A job the relay runs on a fixed schedule in the background (the heartbeat, saving live counters,
 * request-log retention): never two runs at once (a slow database does not pile runs up), the
 * timer never keeps the process alive, and stop() waits for a run in progress. `run` reports its
 * own failures; one that rejects anyway is swallowed, so the schedule goes on.
 */
export class PeriodicTask {
  readonly #run: () => Promise<unknown>;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(run: () => Promise<unknown>, options: { intervalMs: number }) {
    this.#run = run;
    this.#intervalMs = options.intervalMs;
  }

  /**
   * Starts the schedule: the first run after `firstRunMs` (default one interval; 0 runs it now),
   * then one every interval after the previous one ends. Does nothing once stopped.
   */
  start(firstRunMs = this.#intervalMs): void {
    if (this.#stopped || this.#timer) return;
    if (firstRunMs === 0) this.#tick();
    else this.#schedule(firstRunMs);
  }

  /** Stops the schedule and waits for a run in progress. Safe to call twice. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** The run in progress, if any (tests wait for it). */
  get running(): Promise<void> | undefined {
    return this.#running;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#tick();
    }, delayMs);
    this.#timer.unref();
  }

  #tick(): void {
    this.#running = this.#run()
      .then(
        () => {},
        () => {},
      )
      .finally(() => {
        this.#running = undefined;
        if (!this.#stopped) this.#schedule(this.#intervalMs);
      });
  }
}
