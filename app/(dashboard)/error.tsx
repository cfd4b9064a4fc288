"use client";

import { useEffect } from "react";
import { ErrorNotice } from "@/components/ui/page-notice";

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
  return (
    <ErrorNotice
      standalone={false}
      detail="The page could not be loaded. This is usually temporary (for example the database restarting)."
      digest={error.digest}
      onRetry={reset}
    />
  );
}
