"use client";

import { type MouseEvent, useCallback, useState } from "react";
import { apiErrorMessage } from "@/lib/web/api-error-message";
import { fetchSignedIn, SessionEndedError } from "./use-session-ended";

/**
 * A download link that asks its route first (`check=1`: 204 or the error it would get): a browser
 * shows a refused `<a download>` only as a failed download, never why (too many searches at once,
 * the name released meanwhile, the database down), so the reason is said on the page and nothing is
 * downloaded. Then the browser downloads it as usual, streaming to disk. Ctrl-click, a middle click
 * and "Save link as…" are the browser's own, unchecked. `error`: the latest refusal, until the next
 * click.
 */
export function useCheckedDownload(): {
  onClick: (event: MouseEvent<HTMLAnchorElement>) => void;
  error: string | null;
} {
  const [error, setError] = useState<string | null>(null);
  const onClick = useCallback((event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    const href = event.currentTarget.href;
    setError(null);
    void check(href).then((answer) => {
      if (answer !== "start") return setError(answer.refused);
      // In the document while clicked: some browsers ignore a click on a detached link.
      const link = document.createElement("a");
      link.href = href;
      link.download = "";
      link.hidden = true;
      document.body.append(link);
      link.click();
      link.remove();
    });
  }, []);
  return { onClick, error };
}

/**
 * Whether the download at `href` would start, or why not (null: the session ended, which the page's
 * notice says already).
 */
async function check(href: string): Promise<"start" | { refused: string | null }> {
  const url = new URL(href);
  url.searchParams.set("check", "1");
  try {
    const response = await fetchSignedIn(url.toString(), { cache: "no-store" });
    if (response.ok) return "start";
    return {
      refused:
        (await apiErrorMessage(response)) ?? `The download failed: the dashboard answered ${response.status}`,
    };
  } catch (error) {
    if (error instanceof SessionEndedError) return { refused: null };
    return {
      refused: "The download failed: the dashboard cannot be reached. Check your connection and try again",
    };
  }
}
