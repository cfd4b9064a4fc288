import { formatCount } from "@/lib/web/format";
import type { RandomNameRow } from "@/lib/web/names-dto";
import { ConfirmAction, type ConfirmableAction } from "../ui/confirm-action";
import { type Column, DataTable } from "../ui/data-table";
import { LocalTime } from "../ui/local-time";
import { StatusBadge } from "../ui/status-badge";

const COLUMNS: readonly Column[] = [
  { label: "Name", width: "w-[20%]" },
  { label: "Owner", width: "w-[24%]" },
  { label: "Status", width: "w-[12%]" },
  { label: "Kept until", width: "w-[20%]" },
  { label: "Requests 24 h", width: "w-[12%]", align: "right" },
  { label: "Actions", width: "w-[12%]", align: "right", hidden: true },
];

/**
 * Every user's random names the relay still keeps for them, for the admin: nobody else may reserve
 * one, so _Free_ is how an admin gives one up (refused while its tunnel is up, its log deleted).
 */
export function AllRandomNamesTable({
  rows,
  holdHours,
  freeAction,
}: {
  rows: readonly (RandomNameRow & { email: string })[];
  /** BURROW_RANDOM_NAME_HOURS */
  holdHours: number;
  freeAction: ConfirmableAction;
}) {
  return (
    <DataTable
      caption="Random names kept for their users"
      columns={COLUMNS}
      minWidth="min-w-[52rem]"
      stackOnPhone
    >
      {rows.map((row) => (
        <tr key={row.name}>
          <td className="truncate py-2.5 pr-2 font-medium">{row.name}</td>
          <td
            className="truncate py-2.5 pr-2 text-zinc-700 dark:text-zinc-300"
            data-label="Owner"
            title={row.email}
          >
            {row.email}
          </td>
          <td className="py-2.5" data-label="Status">
            <StatusBadge online={row.online} />
          </td>
          <td className="py-2.5 text-zinc-600 dark:text-zinc-400" data-label="Kept until">
            {row.keptUntil ? (
              <LocalTime iso={row.keptUntil} withDate />
            ) : (
              `while connected, then ${holdHours} h`
            )}
          </td>
          <td className="py-2.5 text-right" data-label="Requests 24 h">
            {formatCount(row.requests24h)}
          </td>
          <td className="py-2.5 text-right">
            <div className="flex justify-end">
              <ConfirmAction
                action={freeAction}
                fields={{ name: row.name }}
                triggerLabel="Free"
                triggerAriaLabel={`Free ${row.name}`}
                title={`Free ${row.name}?`}
                body={`It stops being ${row.email}'s random name: anyone can reserve it afterwards, and its request log is deleted. A connected tunnel must be disconnected first.`}
                confirmLabel="Free name"
              />
            </div>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
