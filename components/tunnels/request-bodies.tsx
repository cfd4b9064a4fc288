"use client";

import type { BodyView } from "@/lib/request-logs/body-view";
import type { FormPart } from "@/lib/request-logs/form-parts";
import { formatBinaryBytes, formatBytes } from "@/lib/web/format";
import { CheckedDownloadLink } from "../ui/checked-download-link";

/** "1.2 MB · application/json · gzip · first 64 KiB kept" */
function bodySummary(view: BodyView): string {
  const parts = [formatBytes(view.size)];
  if (view.contentType) parts.push(view.contentType);
  if (view.encoding) parts.push(view.encoding === "br" ? "brotli" : view.encoding);
  if (view.truncated) parts.push(`first ${formatBinaryBytes(view.kept)} kept`);
  if (view.formatted) parts.push("indented for reading");
  return parts.join(" · ");
}

/**
 * One kept body: its text (the app's or the visitor's: React escapes it, and it is never rendered
 * as HTML), a picture's preview, or a note for other binary content, with a download of the bytes
 * either way.
 */
export function BodyPanel({
  view,
  label,
  downloadHref,
}: {
  view: BodyView;
  /** "Request body" / "Response body", for the text region's accessible name. */
  label: string;
  downloadHref: string;
}) {
  if (view.size === 0) return <span className="text-zinc-500 dark:text-zinc-400">Empty.</span>;
  return (
    <div className="space-y-1">
      <p className="text-xs text-zinc-500 dark:text-zinc-400">
        {bodySummary(view)} · <CheckedDownloadLink href={downloadHref}>Download</CheckedDownloadLink>
      </p>
      {view.undecoded && <p className="text-xs text-amber-800 dark:text-amber-200">{view.undecoded}</p>}
      {view.fields && (
        <table className="w-full table-fixed font-mono text-xs" aria-label={`${label} fields`}>
          <tbody>
            {view.fields.map(([name, value], i) => (
              // Fields repeat (tag=a&tag=b): the position is the identity.
              // biome-ignore lint/suspicious/noArrayIndexKey: a stored list, never reordered
              <tr key={i} className="align-top">
                <th
                  scope="row"
                  className="w-1/3 py-0.5 pr-3 text-left font-normal break-all text-zinc-500 dark:text-zinc-400"
                >
                  {name}
                </th>
                <td className="py-0.5 break-all whitespace-pre-wrap text-zinc-800 dark:text-zinc-200">
                  {value}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {view.parts && <FormPartsTable parts={view.parts} label={label} />}
      {view.parts ? null : view.text !== null ? (
        <section aria-label={label}>
          <pre className="max-h-80 overflow-auto rounded-md bg-zinc-900 dark:bg-zinc-950 dark:ring-1 dark:ring-zinc-800 p-3 font-mono text-xs whitespace-pre-wrap break-all text-zinc-100">
            {view.formatted ?? view.text}
            {view.truncated && (
              <span className="text-zinc-500 dark:text-zinc-400">{"\n"}… (the rest was not kept)</span>
            )}
          </pre>
        </section>
      ) : view.image !== null ? (
        // A data: URL the server made of a PNG, JPEG, GIF or WebP it checked (never SVG): an <img>
        // runs no script, and the page's CSP leaves img-src open. Shown at most 20 rem high.
        // biome-ignore lint/performance/noImgElement: a data: URL of a logged body, not an asset to optimise
        <img
          src={view.image}
          alt={`${label}: ${view.contentType?.split(";")[0] ?? "picture"}`}
          className="block max-h-80 max-w-full rounded-md bg-zinc-100 object-contain ring-1 ring-zinc-200 dark:bg-zinc-800 dark:ring-zinc-700"
        />
      ) : (
        <p className="text-zinc-600 dark:text-zinc-400">
          {view.undecoded ? "Not shown here" : "Binary content, not shown here"}: download it to open it.
        </p>
      )}
    </div>
  );
}

/**
 * A multipart form's parts (a form with file uploads): each field's text, each file's name, type
 * and size, with a text file's start. Everything is escaped text.
 */
function FormPartsTable({ parts, label }: { parts: FormPart[]; label: string }) {
  return (
    <table className="w-full table-fixed font-mono text-xs" aria-label={`${label} parts`}>
      <tbody>
        {parts.map((part, i) => (
          // Names repeat (several files under one field): the position is the identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: a stored list, never reordered
          <tr key={i} className="align-top">
            <th
              scope="row"
              className="w-1/3 py-0.5 pr-3 text-left font-normal break-all text-zinc-500 dark:text-zinc-400"
            >
              {part.name}
            </th>
            <td className="py-0.5 break-all whitespace-pre-wrap text-zinc-800 dark:text-zinc-200">
              {part.filename !== null && (
                <span className="text-zinc-600 dark:text-zinc-400">
                  File {part.filename || "(no name)"} · {part.contentType} · {formatBytes(part.size)}
                  {part.cut ? " kept (the rest was not)" : ""}
                  {part.text !== null ? "\n" : ""}
                </span>
              )}
              {part.text}
              {part.cut && part.filename === null ? " …" : ""}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
