"use client";

import type { NamesSnapshot } from "@/lib/web/names-dto";
import { PUSHED_POLL_MS, useAnnounced } from "./use-announced";
import { useLiveJson } from "./use-live-json";
import { useServerEvents } from "./use-server-events";

/**
 * The user's names with their live state (/api/names), fetched again whenever the user's event
 * stream (/api/events) says one of them changed, and polled every `pollMs` while it cannot.
 * `pushed`: the stream is up.
 */
export function useNamesSnapshot(initial: NamesSnapshot, pollMs: number) {
  const { changed, announce } = useAnnounced();
  // `ready` too: what changed between rendering the page and the stream (re)connecting.
  const pushed = useServerEvents("/api/events", true, { ready: announce, names: announce });
  const live = useLiveJson<NamesSnapshot>(
    "/api/names",
    initial,
    pushed ? PUSHED_POLL_MS : pollMs,
    false,
    changed,
  );
  return { ...live, pushed };
}
