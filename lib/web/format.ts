// Pure display helpers shared by server pages and client tables (so no "server-only").

const UNITS = ["B", "kB", "MB", "GB", "TB"];

/** 1234 -> "1.2 kB" (powers of 1000, like most tools people compare with). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "–";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

const BINARY_UNITS = ["B", "KiB", "MiB", "GiB"];

/**
 * 65536 -> "64 KiB": for the relay's limits, which are powers of two (the README gives them so);
 * in decimal units 64 KiB would read "65.5 kB".
 */
export function formatBinaryBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "–";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || Number.isInteger(value) || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${BINARY_UNITS[unit]}`;
}

/** 8.4 -> "8 ms", 1534 -> "1.53 s", 95000 -> "1 min 35 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * How long until a lockout ends, in words for a message: "45 seconds", "about 15 minutes", "about 2
 * hours". Seconds only under a minute: "893 seconds" asks the reader to do the division.
 */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return s === 1 ? "1 second" : `${s} seconds`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return minutes === 1 ? "about a minute" : `about ${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return hours === 1 ? "about an hour" : `about ${hours} hours`;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago"; "never" for null. */
export function formatRelative(date: Date | string | null, now: number): string {
  if (date === null) return "never";
  const then = typeof date === "string" ? Date.parse(date) : date.getTime();
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** How long something has been up: "45 s", "12 min", "3 h 20 min", "2 d 4 h". */
export function formatUptime(since: Date | string, now: number): string {
  const start = typeof since === "string" ? Date.parse(since) : since.getTime();
  const seconds = Math.max(0, Math.floor((now - start) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

const countFormat = new Intl.NumberFormat("en-US");

export function formatCount(n: number): string {
  return countFormat.format(n);
}

/** "1 request", "1,204 requests": a count with its noun, singular only for exactly one. */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(n)} ${n === 1 ? singular : plural}`;
}

/**
 * Cuts long text (a path, a forward spec, a user agent) to at most `max` characters, the last one
 * "…", so a line, a cell or a terminal stays readable. The ssh terminal spells "…" as "...".
 */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export type StatusTone = "success" | "redirect" | "client-error" | "server-error" | "other";

/** The colour family of an HTTP status: 2xx green, 3xx blue, 4xx amber, 5xx red. */
export function statusTone(status: number): StatusTone {
  if (status >= 200 && status < 300) return "success";
  if (status >= 300 && status < 400) return "redirect";
  if (status >= 400 && status < 500) return "client-error";
  if (status >= 500 && status < 600) return "server-error";
  return "other";
}
