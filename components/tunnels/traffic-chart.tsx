"use client";

import { useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { trafficSummary } from "@/lib/web/traffic-summary";
import type { StatsSeries } from "@/lib/web/tunnel-dto";
import { useLiveJson } from "../hooks/use-live-json";
import { useThrottled } from "../hooks/use-throttled";
import { cn } from "../ui/cn";
import { useTunnelActivity } from "./tunnel-activity";

const EMPTY: Record<"hour" | "day", StatsSeries> = {
  hour: { range: "hour", points: [] },
  day: { range: "day", points: [] },
};

// The same 24-hour clock as the request log's times (LocalTime), in the viewer's time zone: hour
// buckets start on the hour, so one format reads right for both ranges ("14:05", "14:00").
const TICK_TIME = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false });
const TOOLTIP_TIME = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

// Each line's axis has its colour: two scales share one chart.
const REQUESTS = { name: "Requests/min", color: "#4f46e5" } as const;
const ERRORS = { name: "Error rate (%)", color: "#dc2626" } as const;

/** Requests per minute and error rate, last hour (per minute) or last day (per hour). */
export function TrafficChart({ name }: { name: string }) {
  const [range, setRange] = useState<"hour" | "day">("hour");
  return (
    <div>
      <fieldset className="mb-3 inline-flex rounded-md ring-1 ring-zinc-300">
        <legend className="sr-only">Chart period</legend>
        {(["hour", "day"] as const).map((r) => (
          <button
            key={r}
            type="button"
            aria-pressed={range === r}
            onClick={() => setRange(r)}
            className={cn(
              "px-3 py-1 text-sm first:rounded-l-md last:rounded-r-md",
              range === r ? "bg-zinc-900 text-white" : "bg-white text-zinc-700 hover:bg-zinc-50",
            )}
          >
            {r === "hour" ? "Last hour" : "Last day"}
          </button>
        ))}
      </fieldset>
      {/* Keyed by range: each period has its own polling loop and data. */}
      <ChartBody key={range} name={name} range={range} />
    </div>
  );
}

/**
 * New requests (the request log heard of them) refresh the chart at most this often; without any,
 * it polls at its own pace. The stats query is cheap (per-minute counts), but not for every row.
 */
const ACTIVITY_REFRESH_MS = 5_000;

function ChartBody({ name, range }: { name: string; range: "hour" | "day" }) {
  const activity = useThrottled(useTunnelActivity().version, ACTIVITY_REFRESH_MS);
  const { data, stale } = useLiveJson<StatsSeries>(
    `/api/tunnels/${encodeURIComponent(name)}/stats?range=${range}`,
    EMPTY[range],
    range === "hour" ? 15_000 : 60_000,
    true,
    activity,
  );
  const empty = data.points.length === 0;
  return (
    <>
      <p className="mb-2 min-h-5 text-sm text-zinc-600" data-testid="traffic-summary" aria-live="polite">
        {trafficSummary(data.points, range)}
      </p>
      {/* Fixed height: the chart appearing (or the period switching) does not move the log below. */}
      <div className="relative h-56" aria-label={`Traffic over the last ${range}`} role="img">
        {empty ? (
          <div className="flex h-full items-center justify-center text-sm text-zinc-500" aria-live="polite">
            {stale ? "Could not load the chart. Retrying…" : "Loading chart…"}
          </div>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data.points} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
              <CartesianGrid stroke="#f4f4f5" vertical={false} />
              <XAxis
                dataKey="at"
                tickFormatter={(v: string) => TICK_TIME.format(new Date(v))}
                tick={{ fontSize: 11, fill: "#71717a" }}
                minTickGap={24}
              />
              <YAxis
                yAxisId="rpm"
                allowDecimals={range === "day"}
                tick={{ fontSize: 11, fill: REQUESTS.color }}
              />
              <YAxis
                yAxisId="err"
                orientation="right"
                domain={[0, 100]}
                unit="%"
                tick={{ fontSize: 11, fill: ERRORS.color }}
              />
              <Tooltip
                labelFormatter={(v) => TOOLTIP_TIME.format(new Date(String(v)))}
                formatter={(value, lineName) => [
                  lineName === ERRORS.name ? `${value}%` : String(value),
                  String(lineName),
                ]}
              />
              <Legend
                verticalAlign="top"
                align="right"
                height={24}
                iconType="plainline"
                itemSorter={(item) => (item.value === REQUESTS.name ? 0 : 1)}
                wrapperStyle={{ fontSize: 12, color: "#52525b" }}
              />
              <Line
                yAxisId="rpm"
                dataKey="requestsPerMinute"
                name={REQUESTS.name}
                stroke={REQUESTS.color}
                strokeWidth={2}
                dot={false}
                isAnimationActive={false}
              />
              <Line
                yAxisId="err"
                dataKey="errorRate"
                name={ERRORS.name}
                stroke={ERRORS.color}
                strokeWidth={1.5}
                dot={false}
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
    </>
  );
}
