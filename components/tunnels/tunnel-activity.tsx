"use client";

import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";
import { useTunnelEvents } from "./tunnel-events";

interface Activity {
  /** Goes up each time the page learns that the tunnel has new requests. */
  version: number;
  report: () => void;
  /** Goes up each time requests are deleted from here (the whole log, or one request). */
  deletions: number;
  /** Goes up each time the whole log is deleted from here (the log empties, its empty state says so). */
  clears: number;
  reportDeleted: (what: "all" | "one") => void;
}

const ActivityContext = createContext<Activity>({
  version: 0,
  report: () => {},
  deletions: 0,
  clears: 0,
  reportDeleted: () => {},
});

/**
 * Shares "new requests arrived" between the parts of a tunnel page: the page's event stream says
 * so (or the log's own poll finds them), and the traffic chart refreshes on it instead of waiting
 * for its next poll, so the chart and the log never disagree for long. Deletions are shared too: the
 * chart counts what the log holds, so it must not go on counting requests the owner just deleted.
 */
export function TunnelActivityProvider({ children }: { children: ReactNode }) {
  const [version, setVersion] = useState(0);
  const [deletions, setDeletions] = useState(0);
  const [clears, setClears] = useState(0);
  const report = useCallback(() => setVersion((v) => v + 1), []);
  // Requests for the name, whatever the log's filters show (or with its live tail off): the chart
  // counts them all.
  useTunnelEvents(["rows"], report);
  const reportDeleted = useCallback((what: "all" | "one") => {
    setDeletions((d) => d + 1);
    if (what === "all") setClears((c) => c + 1);
  }, []);
  const value = useMemo(
    () => ({ version, report, deletions, clears, reportDeleted }),
    [version, report, deletions, clears, reportDeleted],
  );
  return <ActivityContext.Provider value={value}>{children}</ActivityContext.Provider>;
}

export function useTunnelActivity(): Activity {
  return useContext(ActivityContext);
}
