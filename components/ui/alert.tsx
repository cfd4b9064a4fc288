import type { ReactNode } from "react";
import { cn } from "./cn";

const tones = {
  error: "bg-red-50 dark:bg-red-950/40 text-red-800 dark:text-red-200 ring-red-200 dark:ring-red-800",
  success:
    "bg-emerald-50 dark:bg-emerald-950/40 text-emerald-800 dark:text-emerald-200 ring-emerald-200 dark:ring-emerald-800",
  info: "bg-indigo-50 dark:bg-indigo-950/40 text-indigo-900 dark:text-indigo-100 ring-indigo-200 dark:ring-indigo-800",
  warning:
    "bg-amber-50 dark:bg-amber-950/40 text-amber-900 dark:text-amber-100 ring-amber-200 dark:ring-amber-800",
};

/** A message box. Errors use role="alert" so they are announced as soon as they appear. */
export function Alert({
  tone = "info",
  children,
  className,
}: {
  tone?: keyof typeof tones;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div
      role={tone === "error" ? "alert" : "status"}
      // Messages quote fingerprints, links and names with no space to break at: wrap them anywhere
      // rather than run out of the box.
      className={cn("rounded-md px-3 py-2 text-sm wrap-anywhere ring-1 ring-inset", tones[tone], className)}
    >
      {children}
    </div>
  );
}
