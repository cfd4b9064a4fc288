import { cn } from "../ui/cn";
import { ConfirmAction, type ConfirmableAction } from "../ui/confirm-action";
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
  active: { label: "Active", className: "bg-emerald-50 text-emerald-700 ring-emerald-200" },
  revoked: { label: "Revoked", className: "bg-red-50 text-red-700 ring-red-200" },
  expired: { label: "Expired", className: "bg-zinc-100 text-zinc-600 ring-zinc-200" },
  used_up: { label: "Used up", className: "bg-amber-50 text-amber-800 ring-amber-200" },
};

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
    // relative: the sr-only "Actions" header is absolutely positioned; without a positioned ancestor
    // it escapes this scroll box and widens the whole page on a phone (as in DataTable).
    <div className="relative overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label="Share links">
        <thead className="text-xs text-zinc-500 uppercase">
          <tr>
            <th scope="col" className="py-2 pr-4 font-medium">
              Label
            </th>
            <th scope="col" className="py-2 pr-4 font-medium">
              Created
            </th>
            <th scope="col" className="py-2 pr-4 font-medium">
              Expires
            </th>
            <th scope="col" className="py-2 pr-4 font-medium">
              Uses
            </th>
            <th scope="col" className="py-2 pr-4 font-medium">
              Last used
            </th>
            <th scope="col" className="py-2 pr-4 font-medium">
              Status
            </th>
            <th scope="col" className="py-2 font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100">
          {links.map((link) => (
            <tr key={link.id}>
              <td className="py-2.5 pr-4 font-medium text-zinc-900">{link.label}</td>
              <td className="py-2.5 pr-4 text-zinc-600">
                <TimeAgo date={link.createdAt} />
              </td>
              <td className="py-2.5 pr-4 text-zinc-600">
                {link.expiresAt ? <LocalTime iso={link.expiresAt} withDate /> : "Never"}
              </td>
              <td className="py-2.5 pr-4 text-zinc-600 tabular-nums">
                {link.uses}
                {link.maxUses !== null && ` / ${link.maxUses}`}
              </td>
              <td className="py-2.5 pr-4 text-zinc-600">
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
        </tbody>
      </table>
    </div>
  );
}
