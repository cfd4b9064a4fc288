"use client";

import { useState } from "react";
import { useVisibleInterval } from "./use-visible-interval";

/**
 * Polls a JSON route while the tab is visible. Keeps showing the last good data when a poll fails
 * and says so (`stale`), instead of blanking the page on a hiccup.
 */
export function useLiveJson<T>(
  url: string,
  initial: T,
  ms = 3000,
  immediate = false,
  /** Fetch again at once when this changes (see useVisibleInterval). */
  trigger?: unknown,
): { data: T; stale: boolean } {
  const [data, setData] = useState(initial);
  const [stale, setStale] = useState(false);
  useVisibleInterval(
    async (signal) => {
      try {
        const response = await fetch(url, { cache: "no-store", signal });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        setData((await response.json()) as T);
        setStale(false);
      } catch (error) {
        if (!signal.aborted) setStale(true);
        throw error;
      }
    },
    ms,
    true,
    immediate,
    trigger,
  );
  return { data, stale };
}
