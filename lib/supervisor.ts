import { setTimeout as sleep } from "node:timers/promises";

/** A child process Burrow runs and stops: the embedded PostgreSQL, the dashboard. */
export interface Supervisable {
  /** Resolves when it has exited, however it ended: "exit code 1", "signal SIGKILL". */
  exited: Promise<string>;
  /** Stops it and resolves once it has exited. */
  stop(): Promise<void>;
}

/** How a child process ended, as Supervisable.exited reports it. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code ?? "unknown"}`;
}

/** The wait before restart attempt `attempt` (from 0) that failed: 1 s, 2 s, 4 s … at most 30 s. */
export function restartDelayMs(attempt: number): number {
  return Math.min(1_000 * 2 ** attempt, 30_000);
}

/** Running this long counts as having started well: a later exit restarts at once again. */
const STABLE_MS = 60_000;

export interface Supervised {
  /** Stops it for good (no restart), also while a restart is under way. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Keeps a child process running: when it exits without stop() (the OOM killer, a `kill`, a
 * crash), nothing else would start it again, so it is started again here, and a start that fails
 * is retried (the dead process's resources may still be held for a moment, its port taken). The
 * rest of Burrow carries on meanwhile: the relay keeps serving tunnels while the database or the
 * dashboard is away. Each step is told to `notice`, for the operator.
 */
export function supervise(
  name: string,
  first: Supervisable,
  restart: () => Promise<Supervisable>,
  notice: (line: string) => void,
): Supervised {
  let current = first;
  let startedAt = Date.now();
  // Exits soon after starting, in a row: one that crashes on start is not restarted in a tight loop.
  let quickExits = 0;
  let stopping = false;
  const stopped = new AbortController();
  /** Waits, unless stop() comes first; false then. */
  const pause = (ms: number) => sleep(ms, true, { signal: stopped.signal }).catch(() => false);

  async function keepRunning(): Promise<void> {
    for (;;) {
      const how = await current.exited;
      if (stopping) return;
      quickExits = Date.now() - startedAt < STABLE_MS ? quickExits + 1 : 0;
      // The first restart is immediate; exiting again within a minute backs off.
      const wait = quickExits > 1 ? restartDelayMs(quickExits - 2) : 0;
      notice(
        `The ${name} stopped unexpectedly (${how}): starting it again${wait ? ` in ${wait / 1000} s` : ""}`,
      );
      if (wait && !(await pause(wait))) return;
      for (let attempt = 0; ; attempt++) {
        try {
          const next = await restart();
          if (stopping) return await next.stop();
          current = next;
          startedAt = Date.now();
          notice(`The ${name} is running again`);
          break;
        } catch (error) {
          if (stopping) return;
          const delay = restartDelayMs(attempt);
          const reason = String((error as Error)?.message ?? error).split("\n")[0];
          notice(`The ${name} did not start (${reason}): trying again in ${delay / 1000} s`);
          if (!(await pause(delay)) || stopping) return;
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
