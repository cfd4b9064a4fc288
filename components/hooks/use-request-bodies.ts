"use client";

import { useEffect, useState } from "react";
import type { RequestBodiesView } from "@/lib/request-logs/body-view";
import { apiErrorMessage } from "@/lib/web/api-error-message";

export type BodiesState =
  | { status: "loading" }
  | { status: "failed"; message: string }
  | { status: "ready"; bodies: RequestBodiesView };

/** Loads a request's kept bodies once its details are open (they are never part of the log's pages). */
export function useRequestBodies(
  name: string,
  id: string,
  kept: boolean,
  /** Changes when the kept bodies may have grown (an open connection's checkpoint): read again. */
  version: unknown = null,
): BodiesState | null {
  const [state, setState] = useState<BodiesState | null>(kept ? { status: "loading" } : null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new version is the reason to fetch again
  useEffect(() => {
    if (!kept) return;
    // A row can start keeping bodies while shown (an open WebSocket's end was written).
    setState((current) => current ?? { status: "loading" });
    const controller = new AbortController();
    const url = `/api/tunnels/${encodeURIComponent(name)}/logs/${encodeURIComponent(id)}/bodies`;
    fetch(url, { signal: controller.signal, cache: "no-store" })
      .then(async (res) => {
        if (!res.ok) throw new Error((await apiErrorMessage(res)) ?? `The dashboard answered ${res.status}`);
        setState({ status: "ready", bodies: (await res.json()) as RequestBodiesView });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        setState({ status: "failed", message: error instanceof Error ? error.message : String(error) });
      });
    return () => controller.abort();
  }, [name, id, kept, version]);
  return state;
}
