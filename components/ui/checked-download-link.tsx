"use client";

import type { ReactNode } from "react";
import { useCheckedDownload } from "../hooks/use-checked-download";

/** A download link that says under it why, when the download would be refused (useCheckedDownload). */
export function CheckedDownloadLink({ href, children }: { href: string; children: ReactNode }) {
  const { onClick, error } = useCheckedDownload();
  return (
    <>
      <a
        href={href}
        download
        onClick={onClick}
        className="font-medium text-indigo-700 dark:text-indigo-300 hover:underline"
      >
        {children}
      </a>
      {error && (
        <span role="alert" className="block text-red-700 dark:text-red-300">
          {error}
        </span>
      )}
    </>
  );
}
