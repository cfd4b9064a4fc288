"use client";

import { useCallback, useState } from "react";
import { useThrottled } from "./use-throttled";

/**
 * How often a view polls while announcements reach it: only for what nothing announces (a relay
 * that died without a word is noticed by whoever asks next, once its heartbeat is stale).
 */
export const PUSHED_POLL_MS = 20_000;

/**
 * Announcements fetch a view again at most this often: a busy tunnel's counters are saved (and
 * announced) every 2 s, and each open page need not ask for every save.
 */
const ANNOUNCED_REFRESH_MS = 2_000;

/**
 * Counts announcements that a view is out of date, passed on at most once per 2 s: `changed` is
 * useLiveJson's trigger, `announce` what the event stream calls.
 */
export function useAnnounced(): { changed: number; announce: () => void } {
  const [announced, setAnnounced] = useState(0);
  const announce = useCallback(() => setAnnounced((n) => n + 1), []);
  return { changed: useThrottled(announced, ANNOUNCED_REFRESH_MS), announce };
}
