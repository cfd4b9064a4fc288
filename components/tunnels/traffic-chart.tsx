"use client";

import { useMemo, useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { trafficSummary } from "@/lib/web/traffic-summary";
import type { StatsSeries } from "@/lib/web/tunnel-dto";
import { useLiveJson } from "../hooks/use-live-json";
import { usePrefersDark } from "../hooks/use-prefers-dark";
import { useThrottled } from "../hooks/use-throttled";
import { NotUpdating, notLive } from "../session/not-updating";
import { cn } from "../ui/cn";
import { useTunnelActivity } from "./tunnel-activity";
import { useTunnelEventsConnected } from "./tunnel-events";

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

const REQUESTS = "Requests/min";
const ERRORS = "Server error rate (%)";

/**
 * Tailwind's palette for what the chart draws (it takes colours as props, not classes). Each line's
 * axis has its line's colour: two scales share one chart. Dark uses lighter shades, as the page's
 * own dark: classes do.
 */
const COLORS = {
  light: { requests: "#4f46e5", errors: "#dc2626", grid: "#f4f4f5", axis: "#71717a", legend: "#52525b" },
  dark: { requests: "#818cf8", errors: "#f87171", grid: "#27272a", axis: "#a1a1aa", legend: "#d4d4d8" },
} as const;
/** The tooltip's box in dark mode (the library's default is white). */
const DARK_TOOLTIP = { backgroundColor: "#18181b", borderColor: "#3f3f46", color: "#f4f4f5" } as const;

/** Requests per minute and error rate, last hour (per minute) or last day (per hour). */
export function TrafficChart({ name }: { name: string }) {
  const [range, setRange] = useState<"hour" | "day">("hour");
  return (
    <div>
      <fieldset className="mb-3 inline-flex rounded-md ring-1 ring-zinc-300 dark:ring-zinc-700">
        <legend className="sr-only">Chart period</legend>
        {(["hour", "day"] as const).map((r) => (
          <button
            key={r}
            type="button"
            aria-pressed={range === r}
            onClick={() => setRange(r)}
            className={cn(
              "px-3 py-1 text-sm first:rounded-l-md last:rounded-r-md",
              range === r
                ? "bg-zinc-900 text-white dark:bg-zinc-100 dark:text-zinc-900"
                : "bg-white dark:bg-zinc-900 text-zinc-700 dark:text-zinc-300 hover:bg-zinc-50 dark:hover:bg-zinc-800/50",
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

/**
 * Without new requests the last hour's chart changes only as its minutes move on: polled every
 * 15 s when nothing else would tell it, once a minute while the page's stream announces requests.
 */
function pollMs(range: "hour" | "day", pushed: boolean): number {
  return range === "hour" && !pushed ? 15_000 : 60_000;
}

function ChartBody({ name, range }: { name: string; range: "hour" | "day" }) {
  const { version, deletions } = useTunnelActivity();
  const pushed = useTunnelEventsConnected();
  // A deletion refreshes at once, unthrottled: it is one click, not a burst of requests.
  const activity = `${useThrottled(version, ACTIVITY_REFRESH_MS)}:${deletions}`;
  const { data, stale, failure, ended, asOf } = useLiveJson<StatsSeries>(
    `/api/tunnels/${encodeURIComponent(name)}/stats?range=${range}`,
    EMPTY[range],
    pollMs(range, pushed),
    true,
    activity,
  );
  const empty = data.points.length === 0;
  const newestFirst = useMemo(() => [...data.points].reverse(), [data.points]);
  const dark = usePrefersDark();
  const colors = COLORS[dark ? "dark" : "light"];
  return (
    <>
      {/* Not a live region: on a busy tunnel it changes every few seconds, and a screen reader
          would interrupt whoever is reading the log with each new count. (A new period mounts it
          anew, which live regions do not announce anyway.) It is read where it stands. */}
      <p className="mb-2 min-h-5 text-sm text-zinc-600 dark:text-zinc-400" data-testid="traffic-summary">
        <span className={notLive(ended)}>{trafficSummary(data.points, range)}</span>
        {/* A failing look with nothing drawn yet is said in the chart's own box instead (below). */}
        {(ended || (failure && !empty)) && (
          <NotUpdating asOf={asOf} failure={ended ? null : failure} className="ml-2 text-xs" />
        )}
      </p>
      {/* Fixed height: the chart appearing (or the period switching) does not move the log below. */}
      {/* A figure, not an img: the chart inside is focusable (its tooltip reads out each minute). */}
      <figure className={cn("relative h-56", notLive(ended))} aria-label={`Traffic over the last ${range}`}>
        {empty ? (
          <div
            className="flex h-full items-center justify-center text-sm text-zinc-500 dark:text-zinc-400"
            aria-live="polite"
          >
            {stale ? "Could not load the chart. Retrying…" : "Loading chart…"}
          </div>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            {/* Newest first on a reversed axis: it still reads left to right, old to new, but the
                keyboard (which starts at the first point on focus) starts at the latest minute,
                and the left arrow goes back in time. */}
            <LineChart
              data={newestFirst}
              aria-label={`Requests per minute for ${name}`}
              margin={{ top: 8, right: 8, bottom: 0, left: -16 }}
            >
              <CartesianGrid stroke={colors.grid} vertical={false} />
              <XAxis
                dataKey="at"
                reversed
                tickFormatter={(v: string) => TICK_TIME.format(new Date(v))}
                tick={{ fontSize: 11, fill: colors.axis }}
                minTickGap={24}
              />
              <YAxis
                yAxisId="rpm"
                allowDecimals={range === "day"}
                tick={{ fontSize: 11, fill: colors.requests }}
              />
              <YAxis
                yAxisId="err"
                orientation="right"
                domain={[0, 100]}
                unit="%"
                tick={{ fontSize: 11, fill: colors.errors }}
              />
              <Tooltip
                contentStyle={dark ? DARK_TOOLTIP : undefined}
                labelFormatter={(v) => TOOLTIP_TIME.format(new Date(String(v)))}
                formatter={(value, lineName) => [
                  lineName === ERRORS ? `${value}%` : String(value),
                  String(lineName),
                ]}
              />
              {/* No fixed height: measured, so when a phone wraps it onto two lines the plot
                  starts below both instead of under the second one's axis labels. The padding
                  is room for the top labels, which stand half above the plot. */}
              <Legend
                verticalAlign="top"
                align="right"
                iconType="plainline"
                itemSorter={(item) => (item.value === REQUESTS ? 0 : 1)}
                wrapperStyle={{ fontSize: 12, color: colors.legend, paddingBottom: 8 }}
              />
              <Line
                yAxisId="rpm"
                dataKey="requestsPerMinute"
                name={REQUESTS}
                stroke={colors.requests}
                strokeWidth={2}
                dot={false}
                isAnimationActive={false}
              />
              <Line
                yAxisId="err"
                dataKey="errorRate"
                name={ERRORS}
                stroke={colors.errors}
                strokeWidth={1.5}
                dot={false}
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        )}
      </figure>
    </>
  );
}
