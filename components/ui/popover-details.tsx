"use client";

import { type ReactNode, useEffect, useRef } from "react";

/**
 * A native disclosure (<details>) that floats its content: it opens with the keyboard and without
 * script, and once open it closes as a popup does, on Escape (focus back on its button) or a click
 * elsewhere, instead of covering the page until its button is pressed again.
 */
export function PopoverDetails({
  summary,
  summaryClassName,
  className = "relative",
  children,
}: {
  summary: ReactNode;
  summaryClassName: string;
  /** The disclosure's own classes; by default the content's position is relative to it. */
  className?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    const details = ref.current;
    if (!details) return;
    const close = () => {
      details.open = false;
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || !details.open) return;
      close();
      details.querySelector("summary")?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      if (details.open && !details.contains(event.target as Node)) close();
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, []);
  return (
    <details ref={ref} className={className}>
      <summary className={summaryClassName}>{summary}</summary>
      {children}
    </details>
  );
}
