import { cn } from "../ui/cn";
import { ConfirmAction, type ConfirmableAction } from "../ui/confirm-action";
import { type Column, DataTable } from "../ui/data-table";
import { EmptyState } from "../ui/empty-state";
import { LocalTime } from "../ui/local-time";
import { TimeAgo } from "../ui/time-ago";

export type ShareLinkStatus = "active" | "revoked" | "expired" | "used_up";

/** One share link as the page shows it (dates as ISO strings; the token is never here). */
export interface ShareLinkRow {
  id: string;
  label: string;
  createdAt: string;
  expiresAt: string | null;
  uses: number;
  maxUses: number | null;
  lastUsedAt: string | null;
  status: ShareLinkStatus;
}

const STATUS: Record<ShareLinkStatus, { label: string; className: string }> = {
  active: {
    label: "Active",
    className:
      "bg-emerald-50 dark:bg-emerald-950/40 text-emerald-700 dark:text-emerald-300 ring-emerald-200 dark:ring-emerald-800",
  },
  revoked: {
    label: "Revoked",
    className: "bg-red-50 dark:bg-red-950/40 text-red-700 dark:text-red-300 ring-red-200 dark:ring-red-800",
  },
  expired: {
    label: "Expired",
    className:
      "bg-zinc-100 dark:bg-zinc-800 text-zinc-600 dark:text-zinc-400 ring-zinc-200 dark:ring-zinc-800",
  },
  used_up: {
    label: "Used up",
    className:
      "bg-amber-50 dark:bg-amber-950/40 text-amber-800 dark:text-amber-200 ring-amber-200 dark:ring-amber-800",
  },
};

const COLUMNS: readonly Column[] = [
  { label: "Label", width: "w-[22%]" },
  { label: "Created", width: "w-[13%]" },
  { label: "Expires", width: "w-[17%]" },
  { label: "Uses", width: "w-[8%]" },
  { label: "Last used", width: "w-[13%]" },
  { label: "Status", width: "w-[13%]" },
  { label: "Actions", width: "w-[14%]", align: "right", hidden: true },
];

/** The name's share links with their use counts, and a revoke button (with confirmation) on each. */
export function ShareLinkList({
  name,
  links,
  revokeAction,
}: {
  name: string;
  links: ShareLinkRow[];
  revokeAction: ConfirmableAction;
}) {
  if (links.length === 0) {
    return (
      <EmptyState title="No share links yet">
        Create one above to let someone in without a password.
      </EmptyState>
    );
  }
  return (
    <DataTable caption="Share links" columns={COLUMNS} minWidth="min-w-[36rem]">
      {links.map((link) => (
        <tr key={link.id}>
          <td className="py-2.5 pr-4 font-medium break-words text-zinc-900 dark:text-zinc-100">
            {link.label}
          </td>
          <td className="py-2.5 pr-4 text-zinc-600 dark:text-zinc-400">
            <TimeAgo date={link.createdAt} />
          </td>
          <td className="py-2.5 pr-4 text-zinc-600 dark:text-zinc-400">
            {link.expiresAt ? <LocalTime iso={link.expiresAt} withDate /> : "Never"}
          </td>
          <td className="py-2.5 pr-4 text-zinc-600 dark:text-zinc-400 tabular-nums">
            {link.uses}
            {link.maxUses !== null && ` / ${link.maxUses}`}
          </td>
          <td className="py-2.5 pr-4 text-zinc-600 dark:text-zinc-400">
            <TimeAgo date={link.lastUsedAt} />
          </td>
          <td className="py-2.5 pr-4">
            <span
              className={cn(
                "inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset",
                STATUS[link.status].className,
              )}
            >
              {STATUS[link.status].label}
            </span>
          </td>
          <td className="py-2.5 text-right">
            {link.status !== "revoked" && (
              <ConfirmAction
                action={revokeAction}
                fields={{ name, linkId: link.id }}
                triggerLabel="Revoke"
                triggerAriaLabel={`Revoke link ${link.label}`}
                title={`Revoke the link “${link.label}”?`}
                body="It stops working at once, and visitors who opened it lose access within a few seconds. This cannot be undone."
                confirmLabel="Revoke link"
              />
            )}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
