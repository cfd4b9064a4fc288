"use client";

import { useState } from "react";
import { failureOfResponse, type LiveFailure, LiveFetchError, liveFailureOf } from "@/lib/web/live-failure";
import { fetchSignedIn, SessionEndedError, useSessionEnded } from "./use-session-ended";
import { useVisibleInterval } from "./use-visible-interval";

/**
 * fetchSignedIn for a live view's look: an answer that is not ok throws a LiveFetchError saying
 * why (the dashboard's database, a proxy in front of a stopped dashboard, an error), so the view can
 * say it in the words every live view uses (NotUpdating).
 */
export async function fetchLive(url: string, init?: RequestInit): Promise<Response> {
  const response = await fetchSignedIn(url, init);
  if (!response.ok) throw new LiveFetchError(await failureOfResponse(response), response.status);
  return response;
}

/**
 * Polls a JSON route while the tab is visible. Keeps showing the last good data when a poll fails
 * and says so (`stale`, and why: `failure`), instead of blanking the page on a hiccup. Stops once
 * the session has ended (a 401, `ended`): retrying cannot help, and the session-ended notice says
 * what will. Either way the view says it is not updating, as of `asOf` (NotUpdating).
 */
export function useLiveJson<T>(
  url: string,
  initial: T,
  ms = 3000,
  immediate = false,
  /** Fetch again at once when this changes (see useVisibleInterval). */
  trigger?: unknown,
): { data: T; stale: boolean; failure: LiveFailure | null; ended: boolean; asOf: string } {
  const [data, setData] = useState(initial);
  const [failure, setFailure] = useState<LiveFailure | null>(null);
  // When `data` was last current: the page's render at first (close enough to when the server
  // loaded `initial`), then each good poll. Shown only while it is not updating (NotUpdating).
  const [asOf, setAsOf] = useState(() => new Date().toISOString());
  const ended = useSessionEnded();
  useVisibleInterval(
    async (signal) => {
      try {
        const response = await fetchLive(url, { cache: "no-store", signal });
        setData((await response.json()) as T);
        setFailure(null);
        setAsOf(new Date().toISOString());
      } catch (error) {
        if (!signal.aborted) setFailure(error instanceof SessionEndedError ? null : liveFailureOf(error));
        throw error;
      }
    },
    ms,
    !ended,
    immediate,
    trigger,
  );
  return { data, stale: failure !== null, failure, ended, asOf };
}
