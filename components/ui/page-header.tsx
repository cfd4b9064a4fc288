import type { ReactNode } from "react";

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <header className="mb-6 flex flex-wrap items-end justify-between gap-4">
      {/* Wrapped anywhere, not cut short: on a phone a tunnel's name (up to 63 characters, often
          without a hyphen to break at) lost its end to an ellipsis, and its URL below ran off the
          screen's edge, the whole page then scrolling sideways. */}
      <div className="min-w-0 wrap-anywhere">
        <h1 className="text-2xl font-semibold tracking-tight text-zinc-900 dark:text-zinc-100">{title}</h1>
        {/* A div, not a p: descriptions may hold controls (the tunnel page's URL tools). */}
        {description && <div className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{description}</div>}
      </div>
      {actions}
    </header>
  );
}
