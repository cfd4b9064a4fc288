import { setTimeout as sleep } from "node:timers/promises";
import type { PostgresProcess } from "./postgres-process.ts";

/** The wait before restart attempt `attempt` (from 0) that failed: 1 s, 2 s, 4 s … at most 30 s. */
export function restartDelayMs(attempt: number): number {
  return Math.min(1_000 * 2 ** attempt, 30_000);
}

export interface SupervisedPostgres {
  /** Stops the server for good (no restart), also while a restart is under way. */
  stop(): Promise<void>;
}

/**
 * Keeps an embedded PostgreSQL running. When the server exits without stop() (the OOM killer, a
 * `kill`, a crash), nothing else would start it again: Burrow would go on without a database, its
 * dashboard unusable and new tunnels refused, until restarted by hand. So it is started again on
 * the same port and data directory (PostgreSQL replays its write-ahead log, so committed data is
 * kept), and the relay and the dashboard, which retry their connections, carry on. A start that
 * fails (the dead server's processes still hold its shared memory for a moment) is retried.
 */
export function supervisePostgres(
  first: PostgresProcess,
  restart: () => Promise<PostgresProcess>,
  notice: (line: string) => void,
): SupervisedPostgres {
  let current = first;
  let stopping = false;
  const stopped = new AbortController();

  async function keepRunning(): Promise<void> {
    for (;;) {
      const how = await current.exited;
      if (stopping) return;
      notice(`The embedded PostgreSQL stopped unexpectedly (${how}): starting it again`);
      for (let attempt = 0; ; attempt++) {
        try {
          const next = await restart();
          if (stopping) return await next.stop();
          current = next;
          notice("The embedded PostgreSQL is running again");
          break;
        } catch (error) {
          const delay = restartDelayMs(attempt);
          const reason = String((error as Error)?.message ?? error).split("\n")[0];
          notice(`The embedded PostgreSQL did not start (${reason}): trying again in ${delay / 1000} s`);
          const slept = await sleep(delay, true, { signal: stopped.signal }).catch(() => false);
          if (!slept || stopping) return;
        }
      }
    }
  }
  const supervising = keepRunning();

  let stopCall: Promise<void> | undefined;
  return {
    stop() {
      stopCall ??= (async () => {
        stopping = true;
        stopped.abort();
        await current.stop();
        await supervising;
      })();
      return stopCall;
    },
  };
}
