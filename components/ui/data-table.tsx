import type { ReactNode } from "react";
import { cn } from "./cn";

export interface Column {
  label: string;
  /** A Tailwind width class, e.g. "w-[22%]" (written out in full so Tailwind sees it). */
  width?: string;
  align?: "right";
  /** Read to screen readers only (an actions column). */
  hidden?: boolean;
}

/**
 * The dashboard's plain tables: fixed columns from `columns`, a caption for screen readers, and a
 * horizontal scroll on narrow screens instead of squeezed cells. `children` are the body rows.
 * `stackOnPhone`: below the sm breakpoint each row is a card instead (app/globals.css); give every
 * cell but the first and the actions a `data-label` with its column's name, which it then shows.
 */
export function DataTable({
  caption,
  columns,
  minWidth,
  stackOnPhone = false,
  children,
}: {
  caption: string;
  columns: readonly Column[];
  /** A Tailwind min-width class below which the table scrolls, e.g. "min-w-[40rem]". */
  minWidth: string;
  stackOnPhone?: boolean;
  children: ReactNode;
}) {
  return (
    // relative: the sr-only header of a hidden column is absolutely positioned, and without a
    // positioned ancestor it escapes this scroll box and widens the whole page on a phone.
    <div className={cn("relative overflow-x-auto", stackOnPhone && "stack-on-phone")}>
      <table className={cn("tabular w-full table-fixed text-left text-sm", minWidth)}>
        <caption className="sr-only">{caption}</caption>
        <thead className="text-xs text-zinc-500 dark:text-zinc-400 uppercase">
          <tr>
            {columns.map((column) => (
              <th
                key={column.label}
                scope="col"
                className={cn(column.width, "py-2 font-medium", column.align === "right" && "text-right")}
              >
                {column.hidden ? <span className="sr-only">{column.label}</span> : column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">{children}</tbody>
      </table>
    </div>
  );
}
