import type { ReactNode } from "react";
import { cn } from "./cn";

const tones = {
  error: "bg-red-50 text-red-800 ring-red-200",
  success: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  info: "bg-indigo-50 text-indigo-900 ring-indigo-200",
  warning: "bg-amber-50 text-amber-900 ring-amber-200",
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
