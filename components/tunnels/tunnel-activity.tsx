"use client";

import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";

interface Activity {
  /** Goes up each time the page learns that the tunnel has new requests. */
  version: number;
  report: () => void;
}

const ActivityContext = createContext<Activity>({ version: 0, report: () => {} });

/**
 * Shares "new requests arrived" between the parts of a tunnel page: the request log hears it first
 * (the relay's announcement, or its own poll), and the traffic chart refreshes on it instead of
 * waiting for its next poll, so the two never disagree for long.
 */
export function TunnelActivityProvider({ children }: { children: ReactNode }) {
  const [version, setVersion] = useState(0);
  const report = useCallback(() => setVersion((v) => v + 1), []);
  const value = useMemo(() => ({ version, report }), [version, report]);
  return <ActivityContext.Provider value={value}>{children}</ActivityContext.Provider>;
}

export function useTunnelActivity(): Activity {
  return useContext(ActivityContext);
}
