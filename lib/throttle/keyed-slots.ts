import { AppError } from "../errors.ts";

/**
 * At most `perKey` tasks of one key (a user) at once; the key's next ones wait their turn, in order,
 * and at most `maxWaiting` of them wait (the rest are refused, `rate_limited`). Other keys are not
 * held up. In memory, per process. No module-level state: each user of it makes its own.
 */
export interface KeyedSlotsOptions {
  perKey: number;
  maxWaiting: number;
  /** What a refusal says: `count` is how many of the key's tasks are under way or waiting. */
  busyMessage: (count: number) => string;
}

interface Waiter {
  resolve: (release: () => void) => void;
}

export class KeyedSlots {
  readonly #options: KeyedSlotsOptions;
  readonly #running = new Map<string, number>();
  readonly #waiting = new Map<string, Waiter[]>();

  constructor(options: KeyedSlotsOptions) {
    this.#options = options;
  }

  /**
   * Resolves with the release (safe to call twice) once `key` has a free slot. Rejects at once when
   * `maxWaiting` tasks of the key wait already, and when `signal` aborts while waiting (the request
   * went away: `unavailable`, as nobody reads the answer), without taking a slot.
   */
  acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    const refused = this.#refusal(key);
    if (refused) return Promise.reject(refused);
    if (signal?.aborted) {
      return Promise.reject(
        new AppError("unavailable", "The request was cancelled while it waited its turn"),
      );
    }
    if ((this.#running.get(key) ?? 0) < this.#options.perKey) return Promise.resolve(this.#take(key));
    const queue = this.#waiting.get(key) ?? [];
    this.#waiting.set(key, queue);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        const current = this.#waiting.get(key);
        const at = current?.indexOf(waiter) ?? -1;
        if (at >= 0) current?.splice(at, 1);
        if (current?.length === 0) this.#waiting.delete(key);
        reject(new AppError("unavailable", "The request was cancelled while it waited its turn"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      queue.push(waiter);
    });
  }

  /**
   * Throws what acquire would refuse with right now (`rate_limited`), taking nothing: a download
   * checked before the browser starts it, so a refusal can be said on the page (a browser shows a
   * refused download as failed, without the reason).
   */
  check(key: string): void {
    const refused = this.#refusal(key);
    if (refused) throw refused;
  }

  /** The refusal of `key`'s next task when its slots are full and its waiting line too. */
  #refusal(key: string): AppError | undefined {
    const running = this.#running.get(key) ?? 0;
    const waiting = this.#waiting.get(key)?.length ?? 0;
    if (running < this.#options.perKey || waiting < this.#options.maxWaiting) return undefined;
    return new AppError("rate_limited", this.#options.busyMessage(running + waiting));
  }

  /** Runs `work` in one of `key`'s slots (see acquire), handing the slot on when it settles. */
  async run<T>(key: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(key, signal);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Tasks of `key` under way and waiting (for tests and diagnostics). */
  countOf(key: string): { running: number; waiting: number } {
    return { running: this.#running.get(key) ?? 0, waiting: this.#waiting.get(key)?.length ?? 0 };
  }

  #take(key: string): () => void {
    this.#running.set(key, (this.#running.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.get(key)?.shift();
      if (this.#waiting.get(key)?.length === 0) this.#waiting.delete(key);
      // The slot passes straight to the next waiter: the count stays.
      if (next) {
        this.#running.set(key, (this.#running.get(key) ?? 1) - 1);
        next.resolve(this.#take(key));
        return;
      }
      const left = (this.#running.get(key) ?? 1) - 1;
      if (left > 0) this.#running.set(key, left);
      else this.#running.delete(key);
    };
  }
}
