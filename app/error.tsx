"use client";

import { unstable_isUnrecognizedActionError } from "next/navigation";
import { useEffect } from "react";
import { ErrorNotice, OutdatedPageNotice } from "@/components/ui/page-notice";

/** Errors outside the dashboard shell (sign-in and sign-up pages). */
export default function RootError({
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
    return <OutdatedPageNotice standalone onReload={() => window.location.reload()} />;
  }
  return (
    <ErrorNotice
      standalone
      detail="This is usually temporary. Try again in a moment."
      digest={error.digest}
      onRetry={reset}
    />
  );
}
