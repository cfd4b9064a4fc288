"use client";

import { useEffect, useState } from "react";
import { Button } from "./button";

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
        // The Clipboard API needs a secure context; a plain-http dashboard on a LAN IP has none.
        navigator.clipboard?.writeText(text).then(
          () => setCopied("yes"),
          () => setCopied("failed"),
        ) ?? setCopied("failed");
      }}
      className="w-20 shrink-0"
    >
      <span aria-live="polite">
        {copied === "yes" ? "Copied" : copied === "failed" ? "Select it" : "Copy"}
      </span>
    </Button>
  );
}
