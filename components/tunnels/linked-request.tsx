"use client";

import Link from "next/link";
import { type ReactNode, useEffect, useRef } from "react";
import type { LogRow } from "@/lib/web/tunnel-dto";
import { LocalTime } from "../ui/local-time";

/**
 * The request a log page's link names (`?request=<id>`: Copy link in a request's details, or a
 * replay's original), open above the log whether or not the log's page holds it, and scrolled to
 * (a replay's link is followed from further down). A link to a row that has gone says why instead
 * of showing an empty log.
 */
export function LinkedRequest({
  id,
  row,
  closeHref,
  children,
}: {
  /** The id the link names, or "invalid" when it names none. */
  id: string;
  /** The request; null when it is not in this log. */
  row: LogRow | null;
  /** The log without the link (its filters kept). */
  closeHref: string;
  /** The request's details. */
  children: ReactNode;
}) {
  const section = useRef<HTMLElement>(null);
  // Each request the URL names, once: not again as the log around it re-renders.
  useEffect(() => {
    if (id) section.current?.scrollIntoView({ block: "start" });
  }, [id]);
  return (
    <section
      ref={section}
      aria-labelledby="linked-request-title"
      className="mb-4 scroll-mt-4 rounded-md bg-zinc-50 dark:bg-zinc-800/50 p-4 ring-1 ring-indigo-200 dark:ring-indigo-800"
    >
      <div className="mb-3 flex items-start justify-between gap-3">
        <div className="min-w-0">
          <h3 id="linked-request-title" className="text-sm font-semibold text-zinc-900 dark:text-zinc-100">
            Linked request
          </h3>
          {row && (
            <p
              className="mt-0.5 truncate font-mono text-xs text-zinc-700 dark:text-zinc-300"
              title={row.path}
            >
              {row.method} {row.path} · {row.status} · <LocalTime iso={row.at} withDate />
            </p>
          )}
        </div>
        <Link
          href={closeHref}
          scroll={false}
          className="shrink-0 text-sm font-medium text-indigo-700 dark:text-indigo-300 hover:underline"
        >
          Close
        </Link>
      </div>
      {row ? (
        children
      ) : (
        <p className="text-sm text-zinc-700 dark:text-zinc-300" role="status">
          {id === "invalid"
            ? "This link does not name a request of this log: check that it was copied whole."
            : "This request is no longer in the log: it was deleted, or it is older than the log keeps."}
        </p>
      )}
    </section>
  );
}
