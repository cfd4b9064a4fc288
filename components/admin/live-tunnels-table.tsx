"use client";

import { useId, useState } from "react";
import { DISCONNECT_REASON_MAX } from "@/lib/tunnel-sessions/disconnect-reason";
import type { LiveTunnelRow } from "@/lib/web/admin";
import { formatBytes, formatCount } from "@/lib/web/format";
import { usePushedJson } from "../hooks/use-pushed-json";
import { NotUpdating, notLive } from "../session/not-updating";
import { cn } from "../ui/cn";
import { ConfirmAction, type ConfirmableAction } from "../ui/confirm-action";
import { type Column, DataTable } from "../ui/data-table";
import { EmptyState } from "../ui/empty-state";
import { TextField } from "../ui/field";
import { LocalTime } from "../ui/local-time";

const COLUMNS: readonly Column[] = [
  { label: "Name", width: "w-[22%]" },
  { label: "User", width: "w-[24%]" },
  { label: "From", width: "w-[15%]" },
  { label: "Since", width: "w-[12%]" },
  { label: "Requests / out", width: "w-[13%]", align: "right" },
  { label: "Actions", width: "w-[14%]", align: "right", hidden: true },
];

export function LiveTunnelsTable({
  initial,
  disconnectAction,
}: {
  initial: LiveTunnelRow[];
  disconnectAction: ConfirmableAction;
}) {
  // Fetched again when any tunnel connects, drops or saves its counters (2 s apart at most), and
  // polled every 3 s only while the admin's event stream is down.
  const { data, failure, ended, asOf, pushed } = usePushedJson<LiveTunnelRow[]>(
    "/api/admin/tunnels",
    initial,
    3000,
    "/api/admin/events",
    "tunnels",
  );
  return (
    <div data-testid="live-tunnels" data-updates={ended ? "ended" : pushed ? "push" : "poll"}>
      {/* Empty (no height) until the list stops updating: the live region must exist before it speaks. */}
      <p
        aria-live="polite"
        className={cn("text-xs text-amber-700 dark:text-amber-300", (failure || ended) && "mb-2")}
      >
        {(ended || failure) && <NotUpdating asOf={asOf} failure={ended ? null : failure} />}
      </p>
      {data.length === 0 ? (
        <EmptyState title="No tunnels are connected" />
      ) : (
        <div className={notLive(ended)}>
          <DataTable caption="Connected tunnels" columns={COLUMNS} minWidth="min-w-[48rem]" stackOnPhone>
            {data.map((t) => (
              <tr key={t.sessionId}>
                <td className="truncate py-2.5 pr-2 font-medium max-sm:break-all max-sm:whitespace-normal">
                  {t.name}
                  {t.randomName && (
                    <span className="ml-1.5 text-xs font-normal text-zinc-500 dark:text-zinc-400">
                      (random)
                    </span>
                  )}
                </td>
                {/* On a phone the card has room for a whole address, wrapped, rather than an ellipsis. */}
                <td
                  className="truncate py-2.5 pr-2 text-zinc-700 dark:text-zinc-300 max-sm:break-all"
                  data-label="User"
                  title={t.email}
                >
                  {t.email}
                </td>
                <td
                  className="truncate py-2.5 pr-2 font-mono text-xs text-zinc-600 dark:text-zinc-400 max-sm:break-all"
                  data-label="From"
                >
                  {t.clientIp}
                </td>
                <td className="py-2.5 text-zinc-600 dark:text-zinc-400" data-label="Since">
                  <LocalTime iso={t.startedAt} />
                </td>
                <td
                  className="py-2.5 text-right text-zinc-700 dark:text-zinc-300"
                  data-label="Requests / out"
                >
                  {formatCount(t.requests)} / {formatBytes(t.bytesOut)}
                </td>
                <td className="py-2.5 text-right">
                  <div className="flex justify-end">
                    <ConfirmAction
                      action={disconnectAction}
                      fields={{ name: t.name }}
                      triggerLabel="Disconnect"
                      triggerAriaLabel={`Disconnect ${t.name}`}
                      title={`Disconnect ${t.name}?`}
                      body={`The relay closes ${t.email}’s tunnel within seconds. They can connect again unless you disable their account.`}
                      confirmLabel="Disconnect"
                    >
                      {(errorOf) => <DisconnectReasonField name={t.name} error={errorOf("reason")} />}
                    </ConfirmAction>
                  </div>
                </td>
              </tr>
            ))}
          </DataTable>
        </div>
      )}
    </div>
  );
}

/**
 * Why the tunnel is closed, said in its owner's ssh terminal. Kept as typed when the action refuses
 * it (React empties a form's own fields after each action).
 */
function DisconnectReasonField({ name, error }: { name: string; error: string | undefined }) {
  const id = useId();
  const [reason, setReason] = useState("");
  return (
    <div className="mt-3">
      <TextField
        id={id}
        name="reason"
        label="Reason (optional)"
        value={reason}
        onChange={(event) => setReason(event.target.value)}
        error={error}
        hint={`Their ssh client prints "${name}: closed by an administrator (your reason)." One line, plain ASCII, at most ${DISCONNECT_REASON_MAX} characters.`}
        autoComplete="off"
      />
    </div>
  );
}
