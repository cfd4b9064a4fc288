"use client";

import { useEffect, useState } from "react";

/**
 * How long a request has been waiting for the app's answer, counted up every second ("12 s",
 * "3 min 5 s", "2 h 4 min"). Nothing in the server render: the server's clock and the moment of
 * hydration differ, and a count that jumps back would read as a bug.
 */
export function WaitingTime({
  since,
  prefix = "",
  suffix = "",
}: {
  since: string;
  /** Around the count, shown only with it (": 12 s so far"). */
  prefix?: string;
  suffix?: string;
}) {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (now === null) return null;
  return (
    <>
      {prefix}
      {formatWaited(now - new Date(since).getTime())}
      {suffix}
    </>
  );
}

/** Whole seconds, then minutes and seconds, then hours and minutes; never below 0 (clock skew). */
export function formatWaited(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
