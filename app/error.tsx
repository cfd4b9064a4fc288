"use client";

import { useEffect } from "react";
import { ErrorNotice } from "@/components/ui/page-notice";

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
  return (
    <ErrorNotice
      standalone
      detail="This is usually temporary. Try again in a moment."
      digest={error.digest}
      onRetry={reset}
    />
  );
}
