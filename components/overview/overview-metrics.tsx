"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import { formatCount } from "@/lib/web/format";
import { overviewTotals } from "@/lib/web/names-dto";
import { Card } from "../ui/card";
import { useLiveNames } from "./live-names";

function Metric({ label, value }: { label: string; value: string }) {
  return (
    <Card className="px-5 py-4">
      <p className="text-sm text-zinc-500 dark:text-zinc-400">{label}</p>
      <p className="tabular mt-1 text-2xl font-semibold text-zinc-900 dark:text-zinc-100">{value}</p>
    </Card>
  );
}

/** The overview's tiles, following the tunnels as Online now does (same poll, see LiveNamesProvider). */
export function OverviewMetrics({ listedErrors }: { listedErrors: number }) {
  const totals = overviewTotals(useLiveNames());
  const router = useRouter();
  // Recent errors is a list the server renders: when the count of errors moves away from the one it
  // was rendered with, render it again, or the tile would say 3 errors over "No errors". Once per
  // count: should the two ever disagree for good, that is no reason to refresh every 5 s.
  const refreshedFor = useRef<number | null>(null);
  useEffect(() => {
    if (totals.errors24h === listedErrors || refreshedFor.current === totals.errors24h) return;
    refreshedFor.current = totals.errors24h;
    router.refresh();
  }, [totals.errors24h, listedErrors, router]);
  return (
    <div className="mb-6 grid gap-4 sm:grid-cols-3">
      {/* "0 of 0" said nothing to a new user. */}
      <Metric
        label="Tunnels online"
        value={totals.tunnels === 0 ? "None yet" : `${totals.online} of ${totals.tunnels}`}
      />
      <Metric label="Requests, last 24 h" value={formatCount(totals.requests24h)} />
      <Metric label="Errors, last 24 h" value={formatCount(totals.errors24h)} />
    </div>
  );
}
