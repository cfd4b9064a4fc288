"use client";

import { useState } from "react";
import { fetchSignedIn, SessionEndedError, useSessionEnded } from "./use-session-ended";
import { useVisibleInterval } from "./use-visible-interval";

/**
 * Polls a JSON route while the tab is visible. Keeps showing the last good data when a poll fails
 * and says so (`stale`), instead of blanking the page on a hiccup. Stops once the session has ended
 * (a 401, `ended`): retrying cannot help, and the session-ended notice says what will; the view then
 * says it is not updating, as of `asOf` (NotUpdating).
 */
export function useLiveJson<T>(
  url: string,
  initial: T,
  ms = 3000,
  immediate = false,
  /** Fetch again at once when this changes (see useVisibleInterval). */
  trigger?: unknown,
): { data: T; stale: boolean; ended: boolean; asOf: string } {
  const [data, setData] = useState(initial);
  const [stale, setStale] = useState(false);
  // When `data` was last current: the page's render at first (close enough to when the server
  // loaded `initial`), then each good poll. Shown only once the session has ended (NotUpdating).
  const [asOf, setAsOf] = useState(() => new Date().toISOString());
  const ended = useSessionEnded();
  useVisibleInterval(
    async (signal) => {
      try {
        const response = await fetchSignedIn(url, { cache: "no-store", signal });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        setData((await response.json()) as T);
        setStale(false);
        setAsOf(new Date().toISOString());
      } catch (error) {
        if (!signal.aborted) setStale(!(error instanceof SessionEndedError));
        throw error;
      }
    },
    ms,
    !ended,
    immediate,
    trigger,
  );
  return { data, stale, ended, asOf };
}
