import type { Metadata } from "next";
import { LiveGettingStarted } from "@/components/overview/live-getting-started";
import { LiveNamesProvider } from "@/components/overview/live-names";
import { OnlineTunnels } from "@/components/overview/online-tunnels";
import { OverviewMetrics } from "@/components/overview/overview-metrics";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { LocalTime } from "@/components/ui/local-time";
import { PageHeader } from "@/components/ui/page-header";
import { TextLink } from "@/components/ui/text-link";
import { burrowPorts } from "@/lib/web/connect-command";
import { getDb } from "@/lib/web/db";
import { getEnv } from "@/lib/web/env";
import { errorMark } from "@/lib/web/error-mark";
import { loadGettingStarted } from "@/lib/web/getting-started";
import { linkedRequestHref } from "@/lib/web/log-filters";
import { toNameRow, toRandomNameRow } from "@/lib/web/names-dto";
import { loadOverview } from "@/lib/web/overview";
import { requireUser } from "@/lib/web/session";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage() {
  const user = await requireUser();
  const env = getEnv();
  const [overview, gettingStarted] = await Promise.all([
    loadOverview(getDb(), user.id, env.BURROW_RANDOM_NAME_HOURS),
    loadGettingStarted(getDb(), user.id),
  ]);
  const names = {
    names: overview.names.map(toNameRow),
    maxNames: env.BURROW_MAX_NAMES,
    randomNames: overview.randomNames.map((n) => toRandomNameRow(n, env.BURROW_RANDOM_NAME_HOURS)),
    sshKeys: gettingStarted.keys,
  };
  return (
    <>
      <PageHeader title="Overview" description={`Signed in as ${user.email}`} />
      <LiveNamesProvider initial={names}>
        <LiveGettingStarted
          connectedBefore={gettingStarted.connectedBefore}
          randomNamesAllowed={env.BURROW_ALLOW_RANDOM_NAMES}
          sshHost={env.BURROW_SSH_HOST}
          sshPort={env.BURROW_SSH_PORT}
          hostKeyFingerprint={gettingStarted.hostKeyFingerprint}
          burrowPorts={burrowPorts(env)}
        />
        <OverviewMetrics listedErrors={overview.errors24h} />
        {/* grid-cols-1: an explicit minmax(0, 1fr) column, so a long path in Recent errors is cut
          short instead of widening the page on a phone. */}
        <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
          <Card>
            <CardHeader title="Online now" />
            <CardBody>
              <OnlineTunnels randomNamesAllowed={env.BURROW_ALLOW_RANDOM_NAMES} />
            </CardBody>
          </Card>
          <Card>
            <CardHeader
              title="Recent errors"
              description="5xx answers and requests the relay could not deliver"
            />
            <CardBody>
              {overview.recentErrors.length === 0 ? (
                <EmptyState title="No errors in the last 24 hours" />
              ) : (
                <ul className="divide-y divide-zinc-100 dark:divide-zinc-800 text-sm">
                  {overview.recentErrors.map((e) => {
                    // A 200 cut short or ended by a shutdown says so, as in the request log: a bare
                    // "200" under errors read as a mistake of the list.
                    const mark = e.status < 500 ? errorMark(e) : null;
                    return (
                      <li key={e.id} className="flex items-center gap-3 py-2">
                        <span className="w-12 shrink-0 rounded bg-red-50 dark:bg-red-950/40 px-1.5 py-0.5 text-center text-xs font-medium text-red-800 dark:text-red-200">
                          {e.status}
                        </span>
                        {mark && (
                          <span className="shrink-0 text-xs text-red-700 dark:text-red-300">
                            {mark.label}
                          </span>
                        )}
                        <span className="min-w-0 flex-1 truncate font-mono text-xs" title={e.path}>
                          <TextLink href={`/tunnels/${e.name}?status=5xx`}>{e.name}</TextLink>{" "}
                          {/* The request itself, its details open above the name's errors. */}
                          <TextLink href={linkedRequestHref(`/tunnels/${e.name}`, { status: "5xx" }, e.id)}>
                            {e.method} {e.path}
                          </TextLink>
                        </span>
                        <span className="tabular shrink-0 text-xs text-zinc-500 dark:text-zinc-400">
                          <LocalTime iso={e.at.toISOString()} />
                        </span>
                      </li>
                    );
                  })}
                </ul>
              )}
            </CardBody>
          </Card>
        </div>
      </LiveNamesProvider>
    </>
  );
}
