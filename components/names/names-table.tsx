"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { accessLabel } from "@/lib/web/access-label";
import { formatCount } from "@/lib/web/format";
import type { NamesSnapshot } from "@/lib/web/names-dto";
import { useNamesSnapshot } from "../hooks/use-names-snapshot";
import { useNewest } from "../hooks/use-newest";
import { NotUpdating, notLive } from "../session/not-updating";
import { Alert } from "../ui/alert";
import { ConfirmAction, type ConfirmableAction } from "../ui/confirm-action";
import { type Column, DataTable } from "../ui/data-table";
import { EmptyState } from "../ui/empty-state";
import { StatusBadge } from "../ui/status-badge";
import { TimeAgo } from "../ui/time-ago";
import { RandomNamesTable } from "./random-names-table";
import { ReleaseProgress } from "./release-progress";
import type { ReserveNameAction } from "./reserve-name-form";

const COLUMNS: readonly Column[] = [
  { label: "Name", width: "w-[28%]" },
  { label: "Status", width: "w-[13%]" },
  { label: "Access", width: "w-[17%]" },
  { label: "Last seen", width: "w-[14%]" },
  { label: "Requests 24 h", width: "w-[14%]", align: "right" },
  { label: "Actions", width: "w-[14%]", align: "right", hidden: true },
];

/** The names list, refreshed every few seconds so "online" follows the ssh client without a reload. */
export function NamesTable({
  initial,
  releaseAction,
  keepAction,
  randomNameHours,
}: {
  initial: NamesSnapshot;
  releaseAction: ConfirmableAction;
  keepAction: ReserveNameAction;
  randomNameHours: number;
}) {
  const { data, failure, ended, asOf } = useNamesSnapshot(initial, 3000);
  // A reserve or release here re-renders the page with new `initial` data; one elsewhere is fetched.
  const snapshot = useNewest(initial, data);
  const [released, setReleased] = useState<string | null>(null);
  // Said by the table, not the row's dialog: the row is gone once the page shows the release.
  const release: ConfirmableAction = async (previous, form) => {
    const result = await releaseAction(previous, form);
    if (result.ok) {
      focusNotice.current = true;
      setReleased(String(form.get("name")));
    }
    return result;
  };
  // The row goes with its Release button, the dialog's opener, which had the keyboard's focus: it
  // moves to the notice instead of to <body> (the top of the page for a keyboard or screen reader).
  const notice = useRef<HTMLDivElement>(null);
  const focusNotice = useRef(false);
  useEffect(() => {
    if (!focusNotice.current || snapshot.names.some((row) => row.name === released)) return;
    focusNotice.current = false;
    notice.current?.focus();
  }, [released, snapshot]);
  return (
    <div>
      <div ref={notice} tabIndex={-1} aria-live="polite">
        {released && (
          <Alert tone="success" className="mb-3">
            Released {released}.
          </Alert>
        )}
      </div>
      {(snapshot.releases ?? []).map((release) => (
        <ReleaseProgress key={`${release.name}|${release.requestedAt}`} release={release} />
      ))}
      <p className="mb-3 flex min-h-5 items-center justify-between text-sm text-zinc-600 dark:text-zinc-400">
        <span>
          {snapshot.names.length} of {snapshot.maxNames} used
        </span>
        <span aria-live="polite" className="text-xs text-amber-700 dark:text-amber-300">
          {(ended || failure) && <NotUpdating asOf={asOf} failure={ended ? null : failure} />}
        </span>
      </p>
      {snapshot.names.length === 0 ? (
        <EmptyState title="No names yet">Reserve a name to get a stable URL for your tunnel.</EmptyState>
      ) : (
        <div className={notLive(ended)}>
          <DataTable caption="Your names" columns={COLUMNS} minWidth="min-w-[46rem]" stackOnPhone>
            {snapshot.names.map((row) => (
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
                <td className="truncate py-3 pr-3" data-label="Access" data-testid={`access-${row.name}`}>
                  {/* 24 px tall at least (WCAG 2.5.8): on a phone's card it is a target of its own. */}
                  <Link
                    href={`/tunnels/${row.name}/access`}
                    className="inline-block max-w-full truncate py-0.5 align-top text-zinc-700 dark:text-zinc-300 hover:underline"
                  >
                    {accessLabel(row.accessMode, row.allowedNetworks)}
                  </Link>
                </td>
                <td className="py-3 text-zinc-600 dark:text-zinc-400" data-label="Last seen">
                  {row.online ? "now" : <TimeAgo date={row.lastSeenAt} />}
                </td>
                <td className="py-3 text-right text-zinc-800 dark:text-zinc-200" data-label="Requests 24 h">
                  {formatCount(row.requests24h)}
                </td>
                <td className="py-3 text-right">
                  <div className="flex justify-end">
                    <ConfirmAction
                      action={release}
                      fields={{ name: row.name }}
                      triggerLabel="Release"
                      triggerAriaLabel={`Release ${row.name}`}
                      title={`Release ${row.name}?`}
                      body="Anyone can reserve it afterwards, and its request log is deleted."
                      // Live: the dialog offers Release name once the tunnel stops (the server still checks).
                      blockedReason={
                        row.online
                          ? `${row.name} is connected right now: stop the tunnel first, then release it.`
                          : undefined
                      }
                      confirmLabel="Release name"
                    />
                  </div>
                </td>
              </tr>
            ))}
          </DataTable>
        </div>
      )}
      {snapshot.randomNames.length > 0 && (
        <section className="mt-8" aria-labelledby="random-names-heading">
          <h3 id="random-names-heading" className="text-sm font-semibold text-zinc-900 dark:text-zinc-100">
            Random names
          </h3>
          <p className="mt-1 mb-3 text-sm text-zinc-600 dark:text-zinc-400">
            Given to connections without a name (<code>ssh -R 80:…</code>). Each stays yours while connected
            and for {randomNameHours} h after: <code>ssh -R &lt;name&gt;:80:…</code> gets it back. Keep one to
            make it one of your names for good.
          </p>
          <div className={notLive(ended)}>
            <RandomNamesTable
              rows={snapshot.randomNames}
              holdHours={randomNameHours}
              keepAction={keepAction}
            />
          </div>
        </section>
      )}
    </div>
  );
}
