"use client";

import { useSyncExternalStore } from "react";

// One flag for the whole tab: once any request learns the session has ended, every live view stops
// polling and one notice says so (components/session/session-ended-notice.tsx), rather than each
// view retrying a 401 forever with its own "not updating" line.
let ended = false;
const listeners = new Set<() => void>();

/** Marks the session as ended (a 401 from the dashboard's API). */
export function reportSessionEnded(): void {
  if (ended) return;
  ended = true;
  for (const listener of listeners) listener();
}

/** True once a request of this tab got 401: the web session expired or was signed out elsewhere. */
export function useSessionEnded(): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => ended,
    () => false,
  );
}

/** Thrown by fetchSignedIn on a 401, so callers can tell it from a network hiccup worth retrying. */
export class SessionEndedError extends Error {
  constructor() {
    super("The session has ended");
  }
}

/** fetch() for the dashboard's own API: a 401 reports the ended session and throws SessionEndedError. */
export async function fetchSignedIn(url: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(url, init);
  if (response.status === 401) {
    reportSessionEnded();
    throw new SessionEndedError();
  }
  return response;
}
