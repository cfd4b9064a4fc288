"use client";

import { PUSHED_POLL_MS, useAnnounced } from "./use-announced";
import { useLiveJson } from "./use-live-json";
import { useServerEvents } from "./use-server-events";

/**
 * A JSON view (`url`, as useLiveJson) fetched again whenever the event stream at `eventsUrl` sends
 * `event`, and polled every `pollMs` while the stream is down (every PUSHED_POLL_MS while it is up).
 * `pushed`: the stream is up.
 */
export function usePushedJson<T>(url: string, initial: T, pollMs: number, eventsUrl: string, event: string) {
  const { changed, announce } = useAnnounced();
  // `ready` too: what changed between rendering the page and the stream (re)connecting.
  const pushed = useServerEvents(eventsUrl, true, { ready: announce, [event]: announce });
  const live = useLiveJson<T>(url, initial, pushed ? PUSHED_POLL_MS : pollMs, false, changed);
  return { ...live, pushed };
}
