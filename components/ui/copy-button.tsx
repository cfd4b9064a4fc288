"use client";

import { useEffect, useState } from "react";
import { Button } from "./button";

/**
 * Copies through a selected, off-screen field and the old copy command: the Clipboard API needs a
 * secure context, and a dashboard reached at http://<LAN address> (an owner checking it on their
 * phone) has none, so `navigator.clipboard` is undefined there. The field is read-only (no
 * keyboard pops up) and 16 px (iOS would zoom in on a smaller one); the focus goes back after.
 */
function copyThroughSelection(text: string): boolean {
  const active = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const field = document.createElement("textarea");
  field.value = text;
  field.readOnly = true;
  field.setAttribute("aria-hidden", "true");
  field.style.cssText = "position:fixed;top:0;left:-9999px;font-size:16px;opacity:0";
  document.body.append(field);
  field.select();
  field.setSelectionRange(0, text.length); // iOS selects nothing with select() alone
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch {
    copied = false;
  }
  field.remove();
  active?.focus({ preventScroll: true });
  return copied;
}

/** Copies text to the clipboard and says so, for screen readers too. */
export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(null), 2000);
    return () => clearTimeout(timer);
  }, [copied]);

  return (
    <Button
      variant="secondary"
      size="sm"
      aria-label={label}
      onClick={() => {
        const fallback = () => setCopied(copyThroughSelection(text) ? "yes" : "failed");
        if (navigator.clipboard) navigator.clipboard.writeText(text).then(() => setCopied("yes"), fallback);
        else fallback();
      }}
      className="w-20 shrink-0"
    >
      <span aria-live="polite">
        {copied === "yes" ? "Copied" : copied === "failed" ? "Select it" : "Copy"}
      </span>
    </Button>
  );
}
