"use client";

import { createContext, type ReactNode, useContext } from "react";
import type { NamesSnapshot } from "@/lib/web/names-dto";
import { useNamesSnapshot } from "../hooks/use-names-snapshot";
import { NotUpdating, notLive } from "../session/not-updating";
import { cn } from "../ui/cn";

/** How often the overview asks for the user's tunnels again while its event stream is down. */
const POLL_MS = 5000;

const LiveNamesContext = createContext<NamesSnapshot | null>(null);

/**
 * One fetch of /api/names for everything on the overview that follows the tunnels (the tiles, Online
 * now, Get started), again whenever one of the user's names changes: read from one answer, they
 * cannot contradict each other as separate polls or a number computed once by the server did.
 */
export function LiveNamesProvider({ initial, children }: { initial: NamesSnapshot; children: ReactNode }) {
  const { data, failure, ended, asOf, pushed } = useNamesSnapshot(initial, POLL_MS);
  // Said once for everything it feeds, above it: the tiles and cards have no status line each. The
  // live region is there (empty, no height) before it speaks, or a screen reader may not say it.
  return (
    <LiveNamesContext value={data}>
      <p className={cn("text-sm", (ended || failure) && "mb-3")} aria-live="polite">
        {(ended || failure) && <NotUpdating asOf={asOf} failure={ended ? null : failure} />}
      </p>
      <div
        className={notLive(ended)}
        data-testid="live-names"
        data-updates={ended ? "ended" : pushed ? "push" : "poll"}
      >
        {children}
      </div>
    </LiveNamesContext>
  );
}

/** The user's names as last polled; only inside LiveNamesProvider. */
export function useLiveNames(): NamesSnapshot {
  const data = useContext(LiveNamesContext);
  if (data === null) throw new Error("useLiveNames outside LiveNamesProvider");
  return data;
}
