import type { ReactNode } from "react";

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-zinc-300 dark:border-zinc-700 px-6 py-10 text-center">
      <p className="text-sm font-medium text-zinc-900 dark:text-zinc-100">{title}</p>
      {/* Wrapped anywhere: it may name a tunnel's URL, which a phone could not fit on one line. */}
      {children && (
        <div className="mt-2 text-sm wrap-anywhere text-zinc-600 dark:text-zinc-400">{children}</div>
      )}
    </div>
  );
}
