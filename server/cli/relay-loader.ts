import type { RunningRelay, runRelay } from "../main.ts";

export type { RunningRelay };
export type RunRelay = typeof runRelay;

/**
 * Loads `runRelay` from server/main.ts. Imported lazily: commands that do not run the relay (user
 * add, logs, …) should not load ssh2 and the HTTP edge.
 */
export async function loadRunRelay(): Promise<RunRelay> {
  return (await import("../main.ts")).runRelay;
}
