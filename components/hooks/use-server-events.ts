"use client";

import { useEffect, useRef, useState } from "react";
import { fetchSignedIn, useSessionEnded } from "./use-session-ended";

/** After the server refused the stream (not a dropped connection, which EventSource retries itself). */
const REOPEN_MS = 15_000;

/**
 * Listens to a server-sent event stream while `enabled` and the tab is visible (a hidden tab holds
 * no connection). Returns true while connected: from the stream's `ready` event until it drops.
 * `handlers` run per event type; the latest ones are used, so they need not be memoised. Stops for
 * good once the session has ended.
 */
export function useServerEvents(
  url: string,
  enabled: boolean,
  handlers: Record<string, () => void>,
): boolean {
  const [connected, setConnected] = useState(false);
  const latest = useRef(handlers);
  latest.current = handlers;
  const types = Object.keys(handlers).sort().join(",");
  const ended = useSessionEnded();

  useEffect(() => {
    if (!enabled || ended) return;
    let source: EventSource | undefined;
    let reopen: ReturnType<typeof setTimeout> | undefined;

    const close = () => {
      clearTimeout(reopen);
      source?.close();
      source = undefined;
      setConnected(false);
    };
    const open = () => {
      if (source || document.hidden) return;
      const current = new EventSource(url);
      source = current;
      current.addEventListener("ready", () => {
        setConnected(true);
        latest.current.ready?.();
      });
      // The server saw this browser's session end (signed out elsewhere, expired): asking again
      // now reports it (a 401), rather than after the browser's reconnect delay.
      current.addEventListener("ended", () => void probeSession(url));
      for (const type of types.split(",")) {
        if (type && type !== "ready") current.addEventListener(type, () => latest.current[type]?.());
      }
      current.onerror = () => {
        setConnected(false);
        // CONNECTING: the browser retries by itself. CLOSED: the server answered with an error.
        if (current.readyState === EventSource.CLOSED && source === current) {
          source = undefined;
          reopen = setTimeout(open, REOPEN_MS);
          void probeSession(url);
        }
      };
    };
    const onVisibility = () => (document.hidden ? close() : open());

    open();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      document.removeEventListener("visibilitychange", onVisibility);
      close();
    };
  }, [url, enabled, ended, types]);

  return connected;
}

/**
 * EventSource does not tell why the server refused a stream. Asks once more with fetch, which sees
 * the status: a 401 reports the ended session (which stops the reopening); anything else leaves it
 * to the timer. The body is not read: a stream that opens this time is dropped at once.
 */
async function probeSession(url: string): Promise<void> {
  const controller = new AbortController();
  try {
    await fetchSignedIn(url, { cache: "no-store", signal: controller.signal });
  } catch {
    // A network error or the ended session (reported already): nothing more to do here.
  } finally {
    controller.abort();
  }
}
