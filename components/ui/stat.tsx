import type { ReactNode } from "react";
import { cn } from "./cn";

/**
 * One labelled figure in a `<dl>` grid (tunnel status, relay health, request log size).
 * `className` replaces the value's colour (two text colours would be decided by the stylesheet's order).
 */
export function Stat({
  label,
  children,
  className,
}: {
  label: string;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium text-zinc-500 dark:text-zinc-400 uppercase">{label}</dt>
      <dd className={cn("tabular mt-1 truncate text-sm", className ?? "text-zinc-900 dark:text-zinc-100")}>
        {children}
      </dd>
    </div>
  );
}
