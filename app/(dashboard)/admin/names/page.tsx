import type { Metadata } from "next";
import { Card, CardBody } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { StatusBadge } from "@/components/ui/status-badge";
import { TimeAgo } from "@/components/ui/time-ago";
import { listAllNames } from "@/lib/names/service";
import { getDb } from "@/lib/web/db";
import { formatCount } from "@/lib/web/format";
import { requireAdmin } from "@/lib/web/session";

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
            <div className="overflow-x-auto">
              <table className="tabular w-full min-w-[40rem] table-fixed text-left text-sm">
                <caption className="sr-only">All reserved names</caption>
                <thead className="text-xs text-zinc-500 uppercase">
                  <tr>
                    <th scope="col" className="w-[26%] py-2 font-medium">
                      Name
                    </th>
                    <th scope="col" className="w-[30%] py-2 font-medium">
                      Owner
                    </th>
                    <th scope="col" className="w-[14%] py-2 font-medium">
                      Status
                    </th>
                    <th scope="col" className="w-[15%] py-2 font-medium">
                      Last seen
                    </th>
                    <th scope="col" className="w-[15%] py-2 text-right font-medium">
                      Requests 24 h
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-zinc-100">
                  {names.map((n) => (
                    <tr key={n.id}>
                      <td className="truncate py-2.5 pr-2 font-medium">{n.name}</td>
                      <td className="truncate py-2.5 pr-2 text-zinc-700" title={n.email}>
                        {n.email}
                      </td>
                      <td className="py-2.5">
                        <StatusBadge online={n.online} />
                      </td>
                      <td className="py-2.5 text-zinc-600">
                        {n.online ? "now" : <TimeAgo date={n.lastSeenAt?.toISOString() ?? null} />}
                      </td>
                      <td className="py-2.5 text-right">{formatCount(n.requests24h)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </CardBody>
      </Card>
    </>
  );
}
