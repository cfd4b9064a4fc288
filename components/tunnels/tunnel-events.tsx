"use client";

import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef } from "react";
import { useServerEvents } from "../hooks/use-server-events";

/**
 * What the tunnel page's event stream says (app/api/tunnels/[name]/events): `ready` when it
 * (re)connects, so anything announced while it was not listening is fetched; `rows` when requests
 * were logged; `status` when the tunnel connected, dropped, or its counters or notice were saved.
 */
export type TunnelEventType = "ready" | "rows" | "status";

interface TunnelEvents {
  /** The stream is open: what it announces arrives as it happens, so polling can slow down. */
  connected: boolean;
  /** Calls `listener` on each event of `type`; returns the unsubscribe. */
  subscribe(type: TunnelEventType, listener: () => void): () => void;
}

const EventsContext = createContext<TunnelEvents>({ connected: false, subscribe: () => () => {} });

/**
 * One event stream for the whole tunnel page, shared by its status, chart and log. One each would
 * be three of the six connections HTTP/1.1 allows a browser per host: two open tunnel pages would
 * leave the dashboard nothing to load anything else with.
 */
export function TunnelEventsProvider({ name, children }: { name: string; children: ReactNode }) {
  const listeners = useRef(new Map<TunnelEventType, Set<() => void>>());
  const emit = (type: TunnelEventType) => {
    for (const listener of listeners.current.get(type) ?? []) listener();
  };
  const connected = useServerEvents(`/api/tunnels/${encodeURIComponent(name)}/events`, true, {
    ready: () => emit("ready"),
    rows: () => emit("rows"),
    status: () => emit("status"),
  });
  const subscribe = useCallback((type: TunnelEventType, listener: () => void) => {
    let set = listeners.current.get(type);
    if (!set) {
      set = new Set();
      listeners.current.set(type, set);
    }
    set.add(listener);
    return () => {
      listeners.current.get(type)?.delete(listener);
    };
  }, []);
  const value = useMemo(() => ({ connected, subscribe }), [connected, subscribe]);
  return <EventsContext.Provider value={value}>{children}</EventsContext.Provider>;
}

/** Whether the page's event stream is open (see TunnelEventsProvider). */
export function useTunnelEventsConnected(): boolean {
  return useContext(EventsContext).connected;
}

/**
 * Runs `handler` on each of these events of the page's stream; the latest handler is used, so it
 * need not be memoised. Outside a TunnelEventsProvider nothing arrives.
 */
export function useTunnelEvents(types: readonly TunnelEventType[], handler: () => void): void {
  const { subscribe } = useContext(EventsContext);
  const latest = useRef(handler);
  latest.current = handler;
  const key = types.join(",");
  useEffect(() => {
    const stops = key.split(",").map((type) => subscribe(type as TunnelEventType, () => latest.current()));
    return () => {
      for (const stop of stops) stop();
    };
  }, [subscribe, key]);
}
