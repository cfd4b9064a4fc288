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

/**
 * Columns a phone leaves out: the label cell repeats their dates under the label there. On a phone
 * each link is a card (DataTable's stackOnPhone): label and its button on top, then Uses and
 * Status, each saying its column. As four columns, a 320 px screen left the Revoke button half
 * hidden behind a sideways scroll. Important, to win over the card's own `display` for cells.
 */
const WIDE_ONLY = "max-sm:hidden!";

const COLUMNS: readonly Column[] = [
  { label: "Label", width: "w-[22%]" },
  { label: "Created", width: `${WIDE_ONLY} w-[13%]` },
  { label: "Expires", width: `${WIDE_ONLY} w-[17%]` },
  { label: "Uses", width: "w-[8%]" },
  { label: "Last used", width: `${WIDE_ONLY} w-[13%]` },
  { label: "Status", width: "w-[13%]" },
  { label: "Actions", width: "w-[14%]", align: "right", hidden: true },
];

/**
 * The name's share links with their use counts: a revoke button (with confirmation) on each link
 * that still works, a remove button on each that no longer does, and one to remove all of those.
 */
export function ShareLinkList({
  name,
  links,
  revokeAction,
  removeAction,
}: {
  name: string;
  links: ShareLinkRow[];
  revokeAction: ConfirmableAction;
  /** Given a linkId, removes that link; without one, every link that no longer works. */
  removeAction: ConfirmableAction;
}) {
  if (links.length === 0) {
    return (
      <EmptyState title="No share links yet">
        Create one above to let someone in without a password.
      </EmptyState>
    );
  }
  const inactive = links.filter((link) => link.status !== "active").length;
  const usedUp = links.filter((link) => link.status === "used_up").length;
  return (
    <div className="space-y-3">
      {inactive > 1 && (
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            {inactive} of these links no longer work.
          </p>
          <ConfirmAction
            action={removeAction}
            fields={{ name }}
            triggerLabel={`Remove ${inactive} inactive links`}
            title={`Remove ${inactive} links that no longer work?`}
            body={usedUp > 0 ? `${USED_UP_VISITORS_OF_ALL} ${REMOVE_BODY}` : REMOVE_BODY}
            confirmLabel="Remove links"
          />
        </div>
      )}
      <DataTable caption="Share links" columns={COLUMNS} minWidth="min-w-[36rem]" stackOnPhone>
        {links.map((link) => (
          <tr key={link.id}>
            <td className="py-2.5 pr-4">
              <span className="font-medium break-words text-zinc-900 dark:text-zinc-100">{link.label}</span>
              <span className="mt-0.5 block text-xs text-zinc-600 sm:hidden dark:text-zinc-400">
                Expires {link.expiresAt ? <LocalTime iso={link.expiresAt} withDate /> : "never"} ·{" "}
                {link.lastUsedAt ? (
                  <>
                    last used <TimeAgo date={link.lastUsedAt} />
                  </>
                ) : (
                  "not used yet"
                )}
              </span>
            </td>
            <td className={cn(WIDE_ONLY, "py-2.5 pr-4 text-zinc-600 dark:text-zinc-400")}>
              <TimeAgo date={link.createdAt} />
            </td>
            <td className={cn(WIDE_ONLY, "py-2.5 pr-4 text-zinc-600 dark:text-zinc-400")}>
              {link.expiresAt ? <LocalTime iso={link.expiresAt} withDate /> : "Never"}
            </td>
            <td className="py-2.5 pr-4 text-zinc-600 tabular-nums dark:text-zinc-400" data-label="Uses">
              {link.uses}
              {link.maxUses !== null && ` / ${link.maxUses}`}
            </td>
            <td className={cn(WIDE_ONLY, "py-2.5 pr-4 text-zinc-600 dark:text-zinc-400")}>
              <TimeAgo date={link.lastUsedAt} />
            </td>
            <td className="py-2.5 pr-4" data-label="Status">
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
              {link.status === "active" ? (
                <ConfirmAction
                  action={revokeAction}
                  fields={{ name, linkId: link.id }}
                  triggerLabel="Revoke"
                  triggerAriaLabel={`Revoke link ${link.label}`}
                  title={`Revoke the link “${link.label}”?`}
                  body="It stops working at once, and visitors who opened it lose access within a few seconds. This cannot be undone."
                  confirmLabel="Revoke link"
                />
              ) : (
                <ConfirmAction
                  action={removeAction}
                  fields={{ name, linkId: link.id }}
                  triggerLabel="Remove"
                  triggerAriaLabel={`Remove link ${link.label}`}
                  title={`Remove the link “${link.label}” from this list?`}
                  body={link.status === "used_up" ? `${USED_UP_VISITORS} ${REMOVE_BODY}` : REMOVE_BODY}
                  confirmLabel="Remove link"
                />
              )}
            </td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}

// A used-up link opens for nobody new, but whoever opened it is still let in (their cookie):
// removing it ends that, as revoking would. Tidying the list must not do so unannounced.
const USED_UP_VISITORS =
  "The visitors who opened it are still let in: they lose access within a few seconds.";
const USED_UP_VISITORS_OF_ALL =
  "Visitors who opened a used-up link are still let in: they lose access within a few seconds.";

const REMOVE_BODY =
  "Whoever still holds it sees that the link does not work. Requests that came in with it stay in the request log, marked as from a removed link.";
