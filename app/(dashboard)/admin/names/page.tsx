import type { Metadata } from "next";
import { AllRandomNamesTable } from "@/components/admin/all-random-names-table";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmAction } from "@/components/ui/confirm-action";
import { type Column, DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { StatusBadge } from "@/components/ui/status-badge";
import { TimeAgo } from "@/components/ui/time-ago";
import { listAllNames, listAllRandomNames } from "@/lib/names/service";
import { accessLabel } from "@/lib/web/access-label";
import { getDb } from "@/lib/web/db";
import { getEnv } from "@/lib/web/env";
import { countOf, formatCount } from "@/lib/web/format";
import { toRandomNameRow } from "@/lib/web/names-dto";
import { requireAdmin } from "@/lib/web/session";
import { releaseAnyNameAction } from "../actions";

const COLUMNS: readonly Column[] = [
  { label: "Name", width: "w-[19%]" },
  { label: "Owner", width: "w-[22%]" },
  { label: "Status", width: "w-[11%]" },
  { label: "Access", width: "w-[14%]" },
  { label: "Last seen", width: "w-[11%]" },
  { label: "Requests 24 h", width: "w-[11%]", align: "right" },
  { label: "Actions", width: "w-[12%]", align: "right", hidden: true },
];

export const metadata: Metadata = { title: "All names" };

export default async function AdminNamesPage() {
  await requireAdmin();
  const holdHours = getEnv().BURROW_RANDOM_NAME_HOURS;
  const [names, randomNames] = await Promise.all([
    listAllNames(getDb()),
    listAllRandomNames(getDb(), holdHours),
  ]);
  return (
    <>
      <PageHeader
        title="All names"
        description={`${names.length} reserved · ${countOf(randomNames.length, "random name")} kept`}
      />
      <Card>
        <CardBody>
          {names.length === 0 ? (
            <EmptyState title="Nobody has reserved a name yet" />
          ) : (
            <DataTable caption="All reserved names" columns={COLUMNS} minWidth="min-w-[52rem]">
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
                  <td className="py-2.5 text-right">
                    <div className="flex justify-end">
                      <ConfirmAction
                        action={releaseAnyNameAction}
                        fields={{ name: n.name }}
                        triggerLabel="Release"
                        triggerAriaLabel={`Release ${n.name}`}
                        title={`Release ${n.name}?`}
                        body={`It is taken from ${n.email}: anyone can reserve it afterwards, and its request log is deleted. A connected tunnel must be disconnected first (Admin overview).`}
                        confirmLabel="Release name"
                      />
                    </div>
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </CardBody>
      </Card>
      {randomNames.length > 0 && (
        <Card className="mt-6" labelledBy="random-names">
          <CardHeader
            id="random-names"
            title="Random names"
            description={`Given to connections without a name; each stays its user's while connected and for ${holdHours} h after.`}
          />
          <CardBody>
            <AllRandomNamesTable
              rows={randomNames.map((n) => ({ ...toRandomNameRow(n, holdHours), email: n.email }))}
              holdHours={holdHours}
              freeAction={releaseAnyNameAction}
            />
          </CardBody>
        </Card>
      )}
    </>
  );
}
