// Pure: <input type="datetime-local"> values (the browser's time zone, no zone in the text) to and
// from ISO instants, so forms send the server an instant instead of making it guess a zone.

/** "2026-12-01T18:00" (local) -> "2026-12-01T17:00:00.000Z"; "" for empty or invalid input. */
export function localToIso(value: string): string {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}

/** An ISO instant -> "2026-12-01T18:00" in this runtime's zone; "" for empty or invalid input. */
export function isoToLocal(iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/**
 * How <LocalTime> writes an instant: a 24-hour clock, with the day when asked, and the year too when
 * it is not this year's (a link expiring "1 Jan" would read as next January). `onClient` false: UTC,
 * as the server renders before the browser knows its zone.
 */
export function localTimeOptions(
  date: Date,
  now: Date,
  { withDate, onClient }: { withDate: boolean; onClient: boolean },
): Intl.DateTimeFormatOptions {
  const zone = onClient ? {} : { timeZone: "UTC" };
  const year = (d: Date) => (onClient ? d.getFullYear() : d.getUTCFullYear());
  return {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
    ...(withDate ? { month: "short", day: "numeric" } : {}),
    ...(withDate && year(date) !== year(now) ? { year: "numeric" } : {}),
    ...zone,
  };
}
