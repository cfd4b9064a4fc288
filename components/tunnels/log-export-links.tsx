"use client";

import { EXPORT_MAX_ROWS } from "@/lib/request-logs/export-format";
import { useCheckedDownload } from "../hooks/use-checked-download";

/**
 * Downloads of the request log as shown (the same filters, without paging): CSV for a spreadsheet,
 * JSON lines for scripts, and JSON lines with each request's kept bodies when the name keeps some.
 * The browser streams the file to disk once the dashboard said it would start; a refusal is said
 * under the links.
 */
export function LogExportLinks({ endpoint, withBodies }: { endpoint: string; withBodies: boolean }) {
  const { onClick, error } = useCheckedDownload();
  const link =
    "font-medium text-indigo-700 dark:text-indigo-300 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600";
  return (
    <div>
      <p
        className="text-xs text-zinc-600 dark:text-zinc-400"
        title={`The newest ${EXPORT_MAX_ROWS.toLocaleString("en-US")} requests that match the filters`}
      >
        Download:{" "}
        <a href={`${endpoint}format=csv`} download className={link} onClick={onClick}>
          CSV
        </a>{" "}
        ·{" "}
        <a href={`${endpoint}format=ndjson`} download className={link} onClick={onClick}>
          JSON lines
        </a>
        {withBodies && (
          <>
            {" "}
            ·{" "}
            <a href={`${endpoint}format=ndjson&bodies=1`} download className={link} onClick={onClick}>
              JSON lines with bodies
            </a>
          </>
        )}
      </p>
      {/* Empty until a download is refused: the live region must exist before it speaks. */}
      <p role="alert" className="text-xs text-red-700 dark:text-red-300">
        {error}
      </p>
    </div>
  );
}
