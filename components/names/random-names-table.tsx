import Link from "next/link";
import { formatCount } from "@/lib/web/format";
import type { RandomNameRow } from "@/lib/web/names-dto";
import { type Column, DataTable } from "../ui/data-table";
import { LocalTime } from "../ui/local-time";
import { StatusBadge } from "../ui/status-badge";
import { KeepNameButton } from "./keep-name-button";
import type { ReserveNameAction } from "./reserve-name-form";

const COLUMNS: readonly Column[] = [
  { label: "Name", width: "w-[28%]" },
  { label: "Status", width: "w-[13%]" },
  { label: "Kept for you", width: "w-[25%]" },
  { label: "Requests 24 h", width: "w-[14%]", align: "right" },
  { label: "Actions", width: "w-[20%]", align: "right", hidden: true },
];

/** The random names the relay keeps for the user (`ssh -R 80:…`), each with a Keep button. */
export function RandomNamesTable({
  rows,
  holdHours,
  keepAction,
}: {
  rows: readonly RandomNameRow[];
  /** BURROW_RANDOM_NAME_HOURS */
  holdHours: number;
  keepAction: ReserveNameAction;
}) {
  return (
    <DataTable caption="Random names kept for you" columns={COLUMNS} minWidth="min-w-[46rem]" stackOnPhone>
      {rows.map((row) => (
        <tr key={row.name}>
          <td className="truncate py-3 pr-3">
            <Link
              href={`/tunnels/${row.name}`}
              className="font-medium text-indigo-700 dark:text-indigo-300 hover:underline"
            >
              {row.name}
            </Link>
          </td>
          <td className="py-3" data-label="Status" data-testid={`status-${row.name}`}>
            <StatusBadge online={row.online} />
          </td>
          <td
            className="py-3 text-zinc-600 dark:text-zinc-400"
            data-label="Kept for you"
            data-testid={`kept-${row.name}`}
          >
            {row.keptUntil ? (
              <>
                until <LocalTime iso={row.keptUntil} withDate />
              </>
            ) : (
              `while connected, then ${holdHours} h`
            )}
          </td>
          <td className="py-3 text-right text-zinc-800 dark:text-zinc-200" data-label="Requests 24 h">
            {formatCount(row.requests24h)}
          </td>
          <td className="py-3 text-right">
            <KeepNameButton name={row.name} action={keepAction} />
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
