/**
 * Requests per minute of one bucket of the traffic chart: its requests over the minutes it counted.
 * A bucket's minutes are its own length, less what lies outside the chart's period: the newest
 * bucket, the hour under way, has counted only the minutes since it began (399 requests in its
 * first 17 minutes are ~23 a minute, not 399 / 60), and the oldest counts from the period's start
 * (its minute). At least one minute, so a bucket just begun does not read as a burst. Rounded to
 * two decimals. Totals (traffic-summary.ts) are plain sums and need no such care.
 */
export function requestsPerMinute(
  point: { at: Date; requests: number },
  bucketMinutes: number,
  period: { since: Date; now: Date },
): number {
  const start = Math.max(point.at.getTime(), Math.floor(period.since.getTime() / 60_000) * 60_000);
  const end = Math.min(point.at.getTime() + bucketMinutes * 60_000, period.now.getTime());
  const minutes = Math.max(1, (end - start) / 60_000);
  return Math.round((point.requests / minutes) * 100) / 100;
}
