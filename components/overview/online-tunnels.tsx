"use client";

import Link from "next/link";
import { countOf } from "@/lib/web/format";
import { EmptyState } from "../ui/empty-state";
import { LocalTime } from "../ui/local-time";
import { StatusBadge } from "../ui/status-badge";
import { useLiveNames } from "./live-names";

/** The user's tunnels that are up right now, following the relay without a reload (LiveNamesProvider). */
export function OnlineTunnels({
  randomNamesAllowed,
}: {
  /** BURROW_ALLOW_RANDOM_NAMES: a key is enough to connect, a name is optional. */
  randomNamesAllowed: boolean;
}) {
  const data = useLiveNames();
  const online = [
    ...data.names.filter((n) => n.online),
    ...data.randomNames.filter((n) => n.online).map((n) => ({ ...n, random: true })),
  ];
  if (online.length === 0) {
    return (
      <EmptyState title="No tunnel is connected">
        {data.names.length === 0 && data.randomNames.length === 0 ? (
          <>
            Add an{" "}
            <Link className="text-indigo-700 dark:text-indigo-300 underline" href="/keys">
              SSH key
            </Link>
            {randomNamesAllowed ? (
              <>
                , then connect with <code className="font-mono text-xs">ssh -R 80:…</code> for a random
                address, or reserve a{" "}
                <Link className="text-indigo-700 dark:text-indigo-300 underline" href="/names">
                  name
                </Link>{" "}
                for one that stays yours.
              </>
            ) : (
              <>
                {" "}
                and reserve a{" "}
                <Link className="text-indigo-700 dark:text-indigo-300 underline" href="/names">
                  name
                </Link>
                , then connect with <code className="font-mono text-xs">ssh -R</code>.
              </>
            )}
          </>
        ) : (
          <>Open one of your names to see the command that connects it.</>
        )}
      </EmptyState>
    );
  }
  return (
    <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
      {online.map((n) => (
        <li key={n.name} className="flex flex-wrap items-center justify-between gap-3 py-2.5">
          <div className="flex items-center gap-3">
            <StatusBadge online />
            <Link
              href={`/tunnels/${n.name}`}
              className="font-medium text-indigo-700 dark:text-indigo-300 hover:underline"
            >
              {n.name}
            </Link>
            {"random" in n && <span className="text-xs text-zinc-500 dark:text-zinc-400">random name</span>}
          </div>
          <p className="tabular text-sm text-zinc-600 dark:text-zinc-400">
            {n.session && (
              <>
                since <LocalTime iso={n.session.startedAt} /> from {n.session.clientIp} ·{" "}
              </>
            )}
            {countOf(n.requests24h, "request")} in 24 h
          </p>
        </li>
      ))}
    </ul>
  );
}
