"use client";

import { createContext, type ReactNode, useContext } from "react";
import type { NamesSnapshot } from "@/lib/web/names-dto";
import { useLiveJson } from "../hooks/use-live-json";
import { NotUpdating, notLive } from "../session/not-updating";

/** How often the overview asks the relay's view of the user's tunnels again. */
const POLL_MS = 5000;

const LiveNamesContext = createContext<NamesSnapshot | null>(null);

/**
 * One poll of /api/names for everything on the overview that follows the tunnels (the tiles, Online
 * now, Get started): read from one answer, they cannot contradict each other as separate polls or
 * a number computed once by the server did.
 */
export function LiveNamesProvider({ initial, children }: { initial: NamesSnapshot; children: ReactNode }) {
  const { data, ended, asOf } = useLiveJson<NamesSnapshot>("/api/names", initial, POLL_MS);
  // Said once for everything it feeds, above it: the tiles and cards have no status line each.
  return (
    <LiveNamesContext value={data}>
      {ended && (
        <p className="mb-3 text-sm" aria-live="polite">
          <NotUpdating asOf={asOf} />
        </p>
      )}
      <div className={notLive(ended)}>{children}</div>
    </LiveNamesContext>
  );
}

/** The user's names as last polled; only inside LiveNamesProvider. */
export function useLiveNames(): NamesSnapshot {
  const data = useContext(LiveNamesContext);
  if (data === null) throw new Error("useLiveNames outside LiveNamesProvider");
  return data;
}
