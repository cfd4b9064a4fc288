"use client";

import type { NamesSnapshot } from "@/lib/web/names-dto";
import { usePushedJson } from "./use-pushed-json";

/**
 * The user's names with their live state (/api/names), fetched again whenever the user's event
 * stream (/api/events) says one of them changed, and polled every `pollMs` while it cannot.
 * `pushed`: the stream is up.
 */
export function useNamesSnapshot(initial: NamesSnapshot, pollMs: number) {
  return usePushedJson<NamesSnapshot>("/api/names", initial, pollMs, "/api/events", "names");
}
