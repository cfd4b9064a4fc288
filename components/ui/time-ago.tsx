"use client";

import { useEffect, useState } from "react";
import { formatRelative } from "@/lib/web/format";

/**
 * "5 min ago" that stays true while the page is open. The server renders it with its own clock; the
 * first client tick corrects any difference, so the hydration mismatch warning is suppressed.
 */
export function TimeAgo({ date, never = "never" }: { date: string | null; never?: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 10_000);
    return () => clearInterval(timer);
  }, []);
  if (date === null) return <span className="text-zinc-500 dark:text-zinc-400">{never}</span>;
  return (
    <time dateTime={date} title={new Date(date).toUTCString()} suppressHydrationWarning>
      {formatRelative(date, now)}
    </time>
  );
}
