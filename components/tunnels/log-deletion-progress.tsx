"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { countOf, formatCount } from "@/lib/web/format";
import type { LogDeletionView } from "@/lib/web/log-deletion-view";
import { fetchSignedIn } from "../hooks/use-session-ended";
import { useVisibleInterval } from "../hooks/use-visible-interval";
import { Alert } from "../ui/alert";
import { useTunnelActivity } from "./tunnel-activity";

/** How often the progress of a deletion under way is asked for. */
const POLL_MS = 1_000;

/**
 * Delete all requests of a big log, under way in the background: how far it is, then what it
 * deleted. Once done, the page loads again without the rows, and the chart and the log's empty
 * state hear of it.
 */
export function LogDeletionProgress({ name, initial }: { name: string; initial: LogDeletionView | null }) {
  const [state, setState] = useState(initial);
  const router = useRouter();
  const { reportDeleted } = useTunnelActivity();
  const underWay = state !== null && state.finishedAt === null;
  useVisibleInterval(
    async (signal) => {
      const response = await fetchSignedIn(`/api/tunnels/${encodeURIComponent(name)}/log-deletion`, {
        cache: "no-store",
        signal,
      });
      if (!response.ok) return;
      const next = (await response.json()) as LogDeletionView | null;
      setState(next);
      if (next?.finishedAt) {
        reportDeleted("all");
        router.refresh();
      }
    },
    POLL_MS,
    underWay,
  );
  if (!state) return null;
  if (state.finishedAt) {
    return (
      <Alert tone="success" className="mb-3">
        Deleted {countOf(state.deleted, "request")} from the log.
      </Alert>
    );
  }
  const done = Math.min(state.deleted, state.total);
  return (
    <Alert tone="info" className="mb-3">
      <p>
        Deleting the log… {formatCount(done)} of {countOf(state.total, "request")} deleted. It goes on if you
        leave this page; requests logged since stay.
      </p>
      <progress
        className="mt-2 h-2 w-full"
        max={Math.max(state.total, 1)}
        value={done}
        aria-label={`Deleting the log of ${name}`}
      />
    </Alert>
  );
}
