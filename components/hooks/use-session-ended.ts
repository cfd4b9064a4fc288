"use client";

import { useSyncExternalStore } from "react";
import { ACCOUNT_DISABLED_CODE } from "@/lib/users/account-disabled";

// One flag for the whole tab: once any request learns the session has ended, every live view stops
// polling and one notice says so (components/session/session-ended-notice.tsx), rather than each
// view retrying a 401 forever with its own "not updating" line.
// "disabled" when an admin disabled the account: signing in again would be refused, so it says so.
let ended: "ended" | "disabled" | null = null;
const listeners = new Set<() => void>();

/** Marks the session as ended (a 401 from the dashboard's API), and why. */
export function reportSessionEnded(why: "ended" | "disabled" = "ended"): void {
  if (ended) return;
  ended = why;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** True once a request of this tab got 401: the web session expired or was signed out elsewhere. */
export function useSessionEnded(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => ended !== null,
    () => false,
  );
}

/** Why the session ended ("disabled": the account was), or null while it has not. */
export function useSessionEndedReason(): "ended" | "disabled" | null {
  return useSyncExternalStore(
    subscribe,
    () => ended,
    () => null,
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
    const body = (await response.json().catch(() => null)) as { error?: { code?: unknown } } | null;
    reportSessionEnded(body?.error?.code === ACCOUNT_DISABLED_CODE ? "disabled" : "ended");
    throw new SessionEndedError();
  }
  return response;
}
