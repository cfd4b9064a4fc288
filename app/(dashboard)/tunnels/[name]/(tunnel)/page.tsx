import type { Metadata } from "next";
import Link from "next/link";
import { KeepNameButton } from "@/components/names/keep-name-button";
import { ClearLogForm } from "@/components/tunnels/clear-log-form";
import { ConnectPanel } from "@/components/tunnels/connect-panel";
import { KeepBodiesForm } from "@/components/tunnels/keep-bodies-form";
import { LiveStatus } from "@/components/tunnels/live-status";
import { LogDeletionProgress } from "@/components/tunnels/log-deletion-progress";
import { FilteredLogEmptyState, LogEmptyState } from "@/components/tunnels/log-empty-state";
import { LogFilterStatus } from "@/components/tunnels/log-filter-status";
import { LogFiltersForm } from "@/components/tunnels/log-filters-form";
import { PublicUrlTools } from "@/components/tunnels/public-url-tools";
import { RandomNameNotice } from "@/components/tunnels/random-name-notice";
import { RequestLog } from "@/components/tunnels/request-log";
import { TrafficChart } from "@/components/tunnels/traffic-chart";
import { TunnelActivityProvider } from "@/components/tunnels/tunnel-activity";
import { TunnelEventsProvider } from "@/components/tunnels/tunnel-events";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmAction } from "@/components/ui/confirm-action";
import { PageHeader } from "@/components/ui/page-header";
import { tunnelUrl } from "@/lib/env";
import { randomNameKeptUntil } from "@/lib/names/random-hold";
import { currentHostKeyFingerprint } from "@/lib/relay-health";
import { BODY_KEEP_BYTES } from "@/lib/request-logs/bodies";
import { logDeletionOf } from "@/lib/request-logs/deletions";
import { findRequestLog } from "@/lib/request-logs/query";
import { accessLabel, qrCaption } from "@/lib/web/access-label";
import { burrowPorts, relayAddress } from "@/lib/web/connect-command";
import { getDb } from "@/lib/web/db";
import { getEnv } from "@/lib/web/env";
import { firstLogPage } from "@/lib/web/first-log-page";
import { formatBinaryBytes } from "@/lib/web/format";
import { deletionShown, toLogDeletionView } from "@/lib/web/log-deletion-view";
import { continueLogDeletion } from "@/lib/web/log-deletions";
import {
  hasFilters,
  logFiltersToQuery,
  readLinkedRequest,
  readLogFilters,
  unreadFilterMessage,
} from "@/lib/web/log-filters";
import { logSearchSlots } from "@/lib/web/log-search-slots";
import { qrCode } from "@/lib/web/qr-code";
import { getCurrentUser, requireUser } from "@/lib/web/session";
import { getOwnNameOr404, tunnelNameForTitle } from "@/lib/web/tunnel-access";
import { toLogRow, toTunnelStatus } from "@/lib/web/tunnel-dto";
import { reserveNameAction } from "../../../names/actions";
import {
  clearRequestLogAction,
  deleteRequestAction,
  replayEditedAction,
  replayRequestAction,
  setKeepBodiesAction,
} from "../actions";

type Props = {
  params: Promise<{ name: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const name = await tunnelNameForTitle((await params).name, (await getCurrentUser())?.id);
  return { title: name ?? "Not found" };
}

export default async function TunnelPage({ params, searchParams }: Props) {
  const user = await requireUser();
  const detail = await getOwnNameOr404(user.id, (await params).name);
  const env = getEnv();
  const db = getDb();
  const query = await searchParams;
  const { filters, unread } = readLogFilters(query);
  const linkedId = readLinkedRequest(query);
  const [fingerprint, { page: firstPage, busy }, linkedRow, deletion] = await Promise.all([
    currentHostKeyFingerprint(db),
    firstLogPage(db, logSearchSlots, user.id, detail.name, filters),
    linkedId === undefined || linkedId === "invalid" ? null : findRequestLog(db, detail.name, linkedId),
    logDeletionOf(db, detail.name),
  ]);
  // Delete all requests under way (a release's is the former owner's, not shown to the next one);
  // one whose process stopped (a restart) is taken up again here.
  const clearing = deletion?.kind === "all" && deletionShown(deletion) ? deletion : null;
  if (clearing && clearing.finishedAt === null) void continueLogDeletion(db, clearing.name);
  const url = tunnelUrl(env, detail.name);
  const bodiesShown = firstPage?.rows.some((row) => row.bodiesKept) ?? false;
  const target = { name: detail.name, ...relayAddress(env) };
  const keptUntil =
    detail.random && !detail.online
      ? randomNameKeptUntil({ endedAt: detail.lastSeenAt }, env.BURROW_RANDOM_NAME_HOURS)?.toISOString()
      : undefined;

  return (
    <>
      <PageHeader
        title={detail.name}
        actions={
          detail.random ? (
            <KeepNameButton name={detail.name} action={reserveNameAction} />
          ) : (
            <Link href={`/tunnels/${detail.name}/access`} className={buttonClass("secondary")}>
              Access &amp; sharing
            </Link>
          )
        }
        description={
          <>
            <a
              href={url}
              target="_blank"
              rel="noreferrer"
              className="font-medium text-indigo-700 dark:text-indigo-300 hover:underline"
            >
              {url}
            </a>
            {/* Who may open it, at a glance: changed under Access & sharing. */}
            <span className="text-zinc-600 dark:text-zinc-400" data-testid="tunnel-access">
              {" · "}
              {accessLabel(detail.accessMode, detail.allowedIps.length)}
            </span>{" "}
            <PublicUrlTools
              url={url}
              qr={qrCode(url)}
              caption={qrCaption(detail.accessMode, detail.allowedIps.length)}
            />
          </>
        }
      />
      {/* One event stream for the page's live parts: status, chart and log. */}
      <TunnelEventsProvider name={detail.name}>
        <div className="space-y-6">
          {detail.random && (
            <RandomNameNotice
              name={detail.name}
              holdHours={env.BURROW_RANDOM_NAME_HOURS}
              keptUntil={keptUntil}
            />
          )}
          <Card>
            <CardHeader title="Status" />
            <CardBody>
              <LiveStatus name={detail.name} initial={toTunnelStatus(detail)} />
            </CardBody>
          </Card>

          <Card>
            <CardHeader title="Connect" description="Run one of these on the computer where your app runs." />
            <CardBody>
              <ConnectPanel
                {...target}
                dashboardUrl={env.BURROW_DASHBOARD_URL}
                hostKeyFingerprint={fingerprint}
                burrowPorts={burrowPorts(env)}
              />
            </CardBody>
          </Card>

          {/* Requests and deletions, shared by the chart and the log: the chart follows the log. */}
          <TunnelActivityProvider>
            <Card>
              <CardHeader title="Traffic" />
              <CardBody>
                <TrafficChart name={detail.name} />
              </CardBody>
            </Card>

            <Card>
              <CardHeader
                title="Requests"
                description={`Every request through this name, newest first${
                  env.BURROW_LOG_RETENTION_DAYS > 0 ? `, kept for ${env.BURROW_LOG_RETENTION_DAYS} days` : ""
                }.`}
                actions={
                  detail.random ? null : env.BURROW_LOG_BODIES && env.BURROW_REQUEST_LOG ? (
                    <KeepBodiesForm
                      action={setKeepBodiesAction}
                      name={detail.name}
                      initial={detail.keepBodies}
                      limit={formatBinaryBytes(BODY_KEEP_BYTES)}
                    />
                  ) : (
                    <span
                      className="text-sm text-zinc-500 dark:text-zinc-400"
                      data-testid="keep-bodies-state"
                    >
                      This server keeps no bodies
                    </span>
                  )
                }
              />
              <CardBody className="space-y-4">
                <LogDeletionProgress
                  // A new deletion (the page re-rendered after Delete all) starts it afresh.
                  key={clearing?.requestedAt.toISOString() ?? "none"}
                  name={detail.name}
                  initial={clearing && toLogDeletionView(clearing)}
                />
                <LogFiltersForm filters={filters} />
                {firstPage && (
                  <LogFilterStatus
                    filtered={hasFilters(filters)}
                    shown={firstPage.rows.length}
                    more={firstPage.nextCursor !== null}
                  />
                )}
                {unread.length > 0 && (
                  <Alert tone="warning">
                    <p>Not applied: this link has filters the log cannot read.</p>
                    <ul className="mt-1 list-disc pl-5">
                      {unread.map((problem) => (
                        <li key={problem.param}>{unreadFilterMessage(problem)}</li>
                      ))}
                    </ul>
                  </Alert>
                )}
                {busy !== undefined && (
                  <Alert tone="warning">
                    <p>{busy}.</p>
                    <p className="mt-1">
                      <Link
                        href={`/tunnels/${detail.name}?${logFiltersToQuery(filters)}`}
                        // Never ahead of the click: a prefetch could be a search of its own.
                        prefetch={false}
                        className="font-medium underline"
                      >
                        Search again
                      </Link>
                    </p>
                  </Alert>
                )}
                {firstPage && (
                  <RequestLog
                    // New filters start a new log; so does the server's first page changing in kind (the
                    // log or its bodies deleted), so the client drops rows and bodies that are gone.
                    key={`${logFiltersToQuery(filters)}|${firstPage.rows.length > 0}|${bodiesShown}`}
                    name={detail.name}
                    publicUrl={url}
                    filters={filters}
                    linked={
                      linkedId === undefined
                        ? undefined
                        : { id: linkedId, row: linkedRow && toLogRow(linkedRow) }
                    }
                    dashboardUrl={env.BURROW_DASHBOARD_URL.replace(/\/+$/, "")}
                    keepsBodies={(detail.keepBodies && env.BURROW_LOG_BODIES) || bodiesShown}
                    requestActions={{
                      send: replayRequestAction,
                      edit: replayEditedAction,
                      remove: deleteRequestAction,
                    }}
                    initial={{
                      rows: firstPage.rows.map(toLogRow),
                      nextCursor: firstPage.nextCursor,
                      searchedSince: firstPage.searchedSince?.toISOString() ?? null,
                      tailFrom: firstPage.tailFrom,
                      waiting: firstPage.waiting,
                    }}
                    actions={
                      <div className="mt-2 flex flex-wrap justify-end gap-2 border-t border-zinc-100 dark:border-zinc-800 pt-4">
                        {((env.BURROW_LOG_BODIES && !detail.random) || bodiesShown) && (
                          <ConfirmAction
                            action={clearRequestLogAction}
                            fields={{ name: detail.name, what: "bodies" }}
                            triggerLabel="Delete kept bodies…"
                            title={`Delete the bodies kept for ${detail.name}?`}
                            body={`The requests stay in the log without their bodies, whatever the filters show.${
                              detail.keepBodies
                                ? " Keep bodies is still on: new requests keep theirs again."
                                : ""
                            } This cannot be undone.`}
                            confirmLabel="Delete bodies"
                          />
                        )}
                        <ClearLogForm action={clearRequestLogAction} name={detail.name} />
                      </div>
                    }
                    empty={
                      hasFilters(filters) ? (
                        <FilteredLogEmptyState />
                      ) : (
                        <LogEmptyState url={url} online={detail.online} />
                      )
                    }
                  />
                )}
              </CardBody>
            </Card>
          </TunnelActivityProvider>
        </div>
      </TunnelEventsProvider>
    </>
  );
}
