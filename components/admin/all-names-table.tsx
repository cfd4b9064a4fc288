import type { NameListItem } from "@/lib/names/service";
import { accessLabel } from "@/lib/web/access-label";
import { formatCount } from "@/lib/web/format";
import { ConfirmAction, type ConfirmableAction } from "../ui/confirm-action";
import { type Column, DataTable } from "../ui/data-table";
import { StatusBadge } from "../ui/status-badge";
import { TimeAgo } from "../ui/time-ago";

const COLUMNS: readonly Column[] = [
  { label: "Name", width: "w-[19%]" },
  { label: "Owner", width: "w-[22%]" },
  { label: "Status", width: "w-[11%]" },
  { label: "Access", width: "w-[14%]" },
  { label: "Last seen", width: "w-[11%]" },
  { label: "Requests 24 h", width: "w-[11%]", align: "right" },
  { label: "Actions", width: "w-[12%]", align: "right", hidden: true },
];

/** Every reserved name with its owner, for the admin, each with Release (blocked while it is up). */
export function AllNamesTable({
  names,
  releaseAction,
}: {
  names: readonly (NameListItem & { email: string })[];
  releaseAction: ConfirmableAction;
}) {
  return (
    <DataTable caption="All reserved names" columns={COLUMNS} minWidth="min-w-[52rem]" stackOnPhone>
      {names.map((n) => (
        <tr key={n.id}>
          <td className="truncate py-2.5 pr-2 font-medium">{n.name}</td>
          <td
            className="truncate py-2.5 pr-2 text-zinc-700 dark:text-zinc-300"
            data-label="Owner"
            title={n.email}
          >
            {n.email}
          </td>
          <td className="py-2.5" data-label="Status">
            <StatusBadge online={n.online} />
          </td>
          <td className="truncate py-2.5 pr-2 text-zinc-700 dark:text-zinc-300" data-label="Access">
            {accessLabel(n.accessMode, n.allowedIps.length)}
          </td>
          <td className="py-2.5 text-zinc-600 dark:text-zinc-400" data-label="Last seen">
            {n.online ? "now" : <TimeAgo date={n.lastSeenAt?.toISOString() ?? null} />}
          </td>
          <td className="py-2.5 text-right" data-label="Requests 24 h">
            {formatCount(n.requests24h)}
          </td>
          <td className="py-2.5 text-right">
            <div className="flex justify-end">
              <ConfirmAction
                action={releaseAction}
                fields={{ name: n.name }}
                triggerLabel="Release"
                triggerAriaLabel={`Release ${n.name}`}
                title={`Release ${n.name}?`}
                body={`It is taken from ${n.email}: anyone can reserve it afterwards, and its request log is deleted.`}
                // As on the owner's Names page: said up front, not as a failure after Release name.
                // As of this page's load; the server still checks.
                blockedReason={
                  n.online
                    ? `${n.name} is connected right now: disconnect its tunnel first (Admin overview), then release it.`
                    : undefined
                }
                confirmLabel="Release name"
              />
            </div>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
