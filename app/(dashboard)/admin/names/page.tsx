import type { Metadata } from "next";
import { Card, CardBody } from "@/components/ui/card";
import { type Column, DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { StatusBadge } from "@/components/ui/status-badge";
import { TimeAgo } from "@/components/ui/time-ago";
import { listAllNames } from "@/lib/names/service";
import { accessLabel } from "@/lib/web/access-label";
import { getDb } from "@/lib/web/db";
import { formatCount } from "@/lib/web/format";
import { requireAdmin } from "@/lib/web/session";

const COLUMNS: readonly Column[] = [
  { label: "Name", width: "w-[22%]" },
  { label: "Owner", width: "w-[24%]" },
  { label: "Status", width: "w-[12%]" },
  { label: "Access", width: "w-[16%]" },
  { label: "Last seen", width: "w-[13%]" },
  { label: "Requests 24 h", width: "w-[13%]", align: "right" },
];

export const metadata: Metadata = { title: "All names" };

export default async function AdminNamesPage() {
  await requireAdmin();
  const names = await listAllNames(getDb());
  return (
    <>
      <PageHeader title="All names" description={`${names.length} reserved`} />
      <Card>
        <CardBody>
          {names.length === 0 ? (
            <EmptyState title="Nobody has reserved a name yet" />
          ) : (
            <DataTable caption="All reserved names" columns={COLUMNS} minWidth="min-w-[46rem]">
              {names.map((n) => (
                <tr key={n.id}>
                  <td className="truncate py-2.5 pr-2 font-medium">{n.name}</td>
                  <td className="truncate py-2.5 pr-2 text-zinc-700" title={n.email}>
                    {n.email}
                  </td>
                  <td className="py-2.5">
                    <StatusBadge online={n.online} />
                  </td>
                  <td className="truncate py-2.5 pr-2 text-zinc-700">
                    {accessLabel(n.accessMode, n.allowedIps.length)}
                  </td>
                  <td className="py-2.5 text-zinc-600">
                    {n.online ? "now" : <TimeAgo date={n.lastSeenAt?.toISOString() ?? null} />}
                  </td>
                  <td className="py-2.5 text-right">{formatCount(n.requests24h)}</td>
                </tr>
              ))}
            </DataTable>
          )}
        </CardBody>
      </Card>
    </>
  );
}
