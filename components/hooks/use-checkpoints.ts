"use client";

import { useVisibleInterval } from "./use-visible-interval";

/** How often the details of an open connection ask for what it has done so far. */
const CHECKPOINT_EVERY_MS = 2_000;

/**
 * While the details of an open WebSocket or event stream are shown (and the tab is visible), asks
 * the relay every few seconds to write its time, bytes and kept messages so far into its row; the
 * live log then brings the row in again. Failures are left to the next tick.
 */
export function useCheckpoints(name: string, id: string, open: boolean): void {
  useVisibleInterval(
    async (signal) => {
      const url = `/api/tunnels/${encodeURIComponent(name)}/logs/${encodeURIComponent(id)}/checkpoint`;
      await fetch(url, { method: "POST", signal, cache: "no-store" }).catch(() => {});
    },
    CHECKPOINT_EVERY_MS,
    open,
    true,
  );
}
