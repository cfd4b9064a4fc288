import { countOf } from "./format.ts";

/**
 * The line above the traffic chart: how many requests the period's points add up to, and how many
 * of them failed (5xx, or the relay could not deliver them), e.g. "12 requests in the last hour ·
 * 1 server error (8.3 %)". Empty while the chart has no data yet.
 */
export function trafficSummary(
  points: readonly { requests: number; errors: number }[],
  range: "hour" | "day",
): string {
  if (points.length === 0) return "";
  let requests = 0;
  let errors = 0;
  for (const point of points) {
    requests += point.requests;
    errors += point.errors;
  }
  const total = `${countOf(requests, "request")} in the last ${range}`;
  if (requests === 0) return total;
  const rate = ((errors / requests) * 100).toFixed(1);
  return `${total} · ${countOf(errors, "server error")} (${rate} %)`;
}
