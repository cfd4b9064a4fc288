import { EXPORT_MAX_ROWS } from "@/lib/request-logs/export-format";

/**
 * Downloads of the request log as shown (the same filters, without paging): CSV for a spreadsheet,
 * JSON lines for scripts, and JSON lines with each request's kept bodies when the name keeps some.
 * Plain links: the browser streams the file to disk.
 */
export function LogExportLinks({ endpoint, withBodies }: { endpoint: string; withBodies: boolean }) {
  const link =
    "font-medium text-indigo-700 dark:text-indigo-300 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600";
  return (
    <p
      className="text-xs text-zinc-600 dark:text-zinc-400"
      title={`The newest ${EXPORT_MAX_ROWS.toLocaleString("en-US")} requests that match the filters`}
    >
      Download:{" "}
      <a href={`${endpoint}format=csv`} download className={link}>
        CSV
      </a>{" "}
      ·{" "}
      <a href={`${endpoint}format=ndjson`} download className={link}>
        JSON lines
      </a>
      {withBodies && (
        <>
          {" "}
          ·{" "}
          <a href={`${endpoint}format=ndjson&bodies=1`} download className={link}>
            JSON lines with bodies
          </a>
        </>
      )}
    </p>
  );
}
