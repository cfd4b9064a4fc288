import type { Metadata } from "next";
import { LiveTunnelsTable } from "@/components/admin/live-tunnels-table";
import { RelayLockStatus } from "@/components/admin/relay-lock-status";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Stat } from "@/components/ui/stat";
import { TimeAgo } from "@/components/ui/time-ago";
import { listRelayHealth } from "@/lib/relay-health";
import { describeHolder, findRelayLockHolder } from "@/lib/relay-lock-holder";
import { requestLogStorage } from "@/lib/request-logs/retention";
import { listLiveTunnels } from "@/lib/web/admin";
import { getDb } from "@/lib/web/db";
import { getEnv } from "@/lib/web/env";
import { formatBytes, formatCount } from "@/lib/web/format";
import { requireAdmin } from "@/lib/web/session";
import { disconnectTunnelAction } from "./actions";

export const metadata: Metadata = { title: "Admin" };

export default async function AdminPage() {
  await requireAdmin();
  const db = getDb();
  const [relays, tunnels, storage, lockHolder] = await Promise.all([
    listRelayHealth(db),
    listLiveTunnels(db),
    requestLogStorage(db),
    findRelayLockHolder(db),
  ]);
  const retentionDays = getEnv().BURROW_LOG_RETENTION_DAYS;
  return (
    <>
      <PageHeader title="Relay & tunnels" />
      <div className="space-y-6">
        <Card>
          <CardHeader
            title="Relay health"
            description="From the heartbeat each relay writes every ~10 seconds."
          />
          <CardBody>
            <RelayLockStatus holder={lockHolder ? describeHolder(lockHolder) : null} />
            {relays.length === 0 ? (
              <EmptyState title="No relay has reported in the last day">
                Start it with <code className="rounded bg-zinc-100 dark:bg-zinc-800 px-1">npm start</code>.
              </EmptyState>
            ) : (
              <ul className="space-y-4">
                {relays.map((r) => (
                  <li key={r.id}>
                    <dl className="grid grid-cols-2 gap-4 sm:grid-cols-6">
                      <div>
                        <dt className="text-xs font-medium text-zinc-500 dark:text-zinc-400 uppercase">
                          Status
                        </dt>
                        <dd className="mt-1">
                          <span
                            className={cn(
                              "rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset",
                              r.up
                                ? "bg-emerald-50 dark:bg-emerald-950/40 text-emerald-700 dark:text-emerald-300 ring-emerald-200 dark:ring-emerald-800"
                                : "bg-red-50 dark:bg-red-950/40 text-red-700 dark:text-red-300 ring-red-200 dark:ring-red-800",
                            )}
                          >
                            {r.up ? "Up" : "Down"}
                          </span>
                        </dd>
                      </div>
                      <Stat label="Last heartbeat">
                        <TimeAgo date={r.seenAt.toISOString()} />
                      </Stat>
                      <Stat label="Tunnels">{formatCount(r.tunnels)}</Stat>
                      <Stat label="Requests/min">{formatCount(r.requestsPerMinute)}</Stat>
                      <Stat
                        label="Dropped logs"
                        className={r.droppedLogs > 0 ? "text-amber-700 dark:text-amber-300" : undefined}
                      >
                        {formatCount(r.droppedLogs)}
                      </Stat>
                      <Stat label="Ports">
                        ssh {r.sshPort} · http {r.httpPort}
                      </Stat>
                    </dl>
                    <p className="mt-2 font-mono text-xs break-all text-zinc-500 dark:text-zinc-400">
                      Host key {r.hostKeyFingerprint} · up since <TimeAgo date={r.startedAt.toISOString()} />
                    </p>
                  </li>
                ))}
              </ul>
            )}
          </CardBody>
        </Card>
        <Card>
          <CardHeader
            title="Request log"
            description={
              retentionDays > 0
                ? `Requests older than ${retentionDays} days are deleted every hour (BURROW_LOG_RETENTION_DAYS).`
                : "Kept forever (BURROW_LOG_RETENTION_DAYS=0): it grows with every request."
            }
          />
          <CardBody>
            <dl className="grid grid-cols-2 gap-4 sm:grid-cols-3">
              <Stat label="Requests stored">
                {storage.rowsExact ? "" : "about "}
                {formatCount(storage.rows)}
              </Stat>
              <Stat label="On disk">{formatBytes(storage.bytes)}</Stat>
              <Stat label="Oldest request">
                {storage.oldestAt ? <TimeAgo date={storage.oldestAt.toISOString()} /> : "none yet"}
              </Stat>
            </dl>
          </CardBody>
        </Card>
        <Card>
          <CardHeader title="Connected tunnels" />
          <CardBody>
            <LiveTunnelsTable initial={tunnels} disconnectAction={disconnectTunnelAction} />
          </CardBody>
        </Card>
      </div>
    </>
  );
}
