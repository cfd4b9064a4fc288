import type { NextRequest } from "next/server";
import { getNameForUser } from "@/lib/names/service";
import { requestStats } from "@/lib/request-logs/query";
import { apiHandler } from "@/lib/web/api";
import { getDb } from "@/lib/web/db";
import { requestsPerMinute } from "@/lib/web/traffic-rate";
import type { StatsSeries } from "@/lib/web/tunnel-dto";

/** Traffic chart data: the last hour by minute, or the last day by hour. */
export async function GET(request: NextRequest, { params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  const range = request.nextUrl.searchParams.get("range") === "day" ? "day" : "hour";
  return apiHandler(async (user): Promise<StatsSeries> => {
    const db = getDb();
    const own = await getNameForUser(db, user.id, name);
    const bucketMinutes = range === "day" ? 60 : 1;
    const now = new Date();
    const since = new Date(now.getTime() - (range === "day" ? 86_400_000 : 3_600_000));
    const points = await requestStats(db, own.name, { since, bucket: range === "day" ? "hour" : "minute" });
    return {
      range,
      points: points.map((p) => ({
        at: p.at.toISOString(),
        requests: p.requests,
        errors: p.errors,
        // The hour under way (and the period's first) over the minutes it has counted, not 60.
        requestsPerMinute: requestsPerMinute(p, bucketMinutes, { since, now }),
        errorRate: p.requests === 0 ? 0 : Math.round((p.errors / p.requests) * 1000) / 10,
      })),
    };
  });
}
