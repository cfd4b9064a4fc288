"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * A timestamp in the viewer's time zone. The server does not know that zone, so the server render
 * (and hydration) shows UTC and the browser switches to local time right after; the column is fixed
 * width, so nothing moves.
 */
export function LocalTime({ iso, withDate = false }: { iso: string; withDate?: boolean }) {
  const onClient = useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
  const date = new Date(iso);
  const options: Intl.DateTimeFormatOptions = {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
    ...(withDate ? { month: "short", day: "numeric" } : {}),
    ...(onClient ? {} : { timeZone: "UTC" }),
  };
  return (
    <time dateTime={iso} title={date.toISOString()}>
      {new Intl.DateTimeFormat("en-GB", options).format(date)}
    </time>
  );
}
