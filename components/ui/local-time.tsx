"use client";

import { useSyncExternalStore } from "react";
import { localTimeOptions } from "@/lib/web/local-time";

const subscribe = () => () => {};

/**
 * A timestamp in the viewer's time zone. The server does not know that zone, so the server render
 * (and hydration) shows UTC and the browser switches to local time right after; the column is fixed
 * width, so nothing moves. With the date, another year's instant shows its year.
 */
export function LocalTime({ iso, withDate = false }: { iso: string; withDate?: boolean }) {
  const onClient = useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
  const date = new Date(iso);
  const options = localTimeOptions(date, new Date(), { withDate, onClient });
  return (
    <time dateTime={iso} title={date.toISOString()}>
      {new Intl.DateTimeFormat("en-GB", options).format(date)}
    </time>
  );
}
