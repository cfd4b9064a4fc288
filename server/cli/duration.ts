// Apart from log-options.ts, whose filters load the request log's queries (and with them Prisma):
// `stop --wait` reads a duration and needs no database.

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "90s", "15m", "2h", "7d" as milliseconds, or null for anything else (zero included). */
export function parseDuration(text: string): number | null {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim().toLowerCase());
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms > 0 ? ms : null;
}
