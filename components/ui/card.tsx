import type { ReactNode } from "react";
import { cn } from "./cn";

export function Card({
  children,
  className,
  labelledBy,
}: {
  children: ReactNode;
  className?: string;
  /** The id of its title (CardHeader's `id`): the card is then a named region for screen readers. */
  labelledBy?: string;
}) {
  return (
    <section
      aria-labelledby={labelledBy}
      className={cn(
        "rounded-lg bg-white dark:bg-zinc-900 shadow-xs ring-1 ring-zinc-200 dark:ring-zinc-800",
        className,
      )}
    >
      {children}
    </section>
  );
}

export function CardHeader({
  title,
  description,
  actions,
  id,
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
  id?: string;
}) {
  return (
    <div className="flex flex-wrap items-start justify-between gap-3 border-b border-zinc-100 dark:border-zinc-800 px-5 py-4">
      <div>
        <h2 id={id} className="text-base font-semibold text-zinc-900 dark:text-zinc-100">
          {title}
        </h2>
        {description && <p className="mt-0.5 text-sm text-zinc-500 dark:text-zinc-400">{description}</p>}
      </div>
      {actions}
    </div>
  );
}

export function CardBody({ children, className }: { children: ReactNode; className?: string }) {
  return <div className={cn("px-5 py-4", className)}>{children}</div>;
}
