"use client";

import { unstable_isUnrecognizedActionError } from "next/navigation";
import { useEffect } from "react";
import { ErrorNotice, OutdatedPageNotice } from "@/components/ui/page-notice";

export default function DashboardError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  // Through unknown: the guard's Error type is every Error's, so it would narrow `error` to never.
  if (unstable_isUnrecognizedActionError(error as unknown)) {
    return <OutdatedPageNotice standalone={false} onReload={() => window.location.reload()} />;
  }
  return (
    <ErrorNotice
      standalone={false}
      detail="The page could not be loaded. This is usually temporary (for example the database restarting)."
      digest={error.digest}
      onRetry={reset}
    />
  );
}
