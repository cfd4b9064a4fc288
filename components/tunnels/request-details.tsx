import Link from "next/link";
import type { ReactNode } from "react";
import { curlCommand } from "@/lib/web/curl-command";
import { formatBytes, formatDuration } from "@/lib/web/format";
import { accessCell, describeOutcome } from "@/lib/web/log-access";
import type { LogRow } from "@/lib/web/tunnel-dto";
import { describeUserAgent } from "@/lib/web/user-agent";
import { CodeLine } from "../ui/code-line";
import { LocalTime } from "../ui/local-time";
import { HeaderList } from "./header-list";

/** Why a row has no response headers: an answer from Burrow, none at all, or an older row. */
function noResponseHeaders(row: LogRow): string {
  if (row.accessPage !== null) return "Burrow's access page answered, not your app.";
  if (row.error === "client_aborted") return "The visitor left before your app answered.";
  if (row.error !== null) return "Burrow answered this request itself, not your app.";
  return "Not recorded for this request.";
}

/**
 * The request again, as a curl command to copy: what the log kept of it. Bodies are never stored and
 * credentials are hidden, so the command says what it lacks instead of failing in a puzzling way.
 */
function ReplayItem({ row, publicUrl }: { row: LogRow; publicUrl: string }) {
  const replay = curlCommand(publicUrl, row.method, row.path, row.requestHeaders ?? []);
  const missing = [
    ...(row.bytesIn > 0 ? [`the ${formatBytes(row.bytesIn)} body`] : []),
    ...(replay.hidden.length > 0 ? [replay.hidden.join(", ")] : []),
  ];
  return (
    <Item term="Replay">
      <CodeLine text={replay.command} copyLabel="Copy curl command" />
      {missing.length > 0 && (
        <p className="mt-1 text-xs text-zinc-500">
          Not in this command, since the log never stores them: {missing.join("; ")}.
        </p>
      )}
    </Item>
  );
}

function Item({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="grid gap-1 sm:grid-cols-[9rem_1fr] sm:gap-4">
      <dt className="text-xs font-medium text-zinc-500 uppercase">{term}</dt>
      <dd className="min-w-0 text-zinc-800">{children}</dd>
    </div>
  );
}

/**
 * Everything stored about one request, opened from its row in the log: the full path, why Burrow
 * answered it (the status badge's reason was only a tooltip), the visitor, the share link they came
 * in with and both sides' headers. Path, user agent, headers and link label are other people's
 * text: React escapes them.
 */
export function RequestDetails({
  row,
  publicUrl,
  visitorHref,
}: {
  row: LogRow;
  publicUrl: string;
  /** The log narrowed to this row's visitor; absent when it already is (or the address is unknown). */
  visitorHref?: string;
}) {
  const access = accessCell(row.admission, row.accessPage);
  return (
    // On a phone the log's table scrolls sideways and this cell spans all of it: kept in view and
    // as wide as the screen, the details wrap instead of running off to the right.
    <dl className="sticky left-3 max-w-[calc(100vw-8rem)] space-y-2 text-sm sm:static sm:max-w-none">
      <Item term="What happened">{describeOutcome(row)}</Item>
      <Item term="Request">
        <span className="font-mono text-xs break-all">
          {row.method} {row.path}
        </span>
        {row.upgrade && <span className="text-zinc-500"> · WebSocket upgrade</span>}
      </Item>
      <Item term="When">
        <LocalTime iso={row.at} withDate /> · took {formatDuration(row.durationMs)}
      </Item>
      <Item term="Bytes">
        {formatBytes(row.bytesIn)} from the visitor · {formatBytes(row.bytesOut)} to the visitor
      </Item>
      <Item term="Access">
        {access.label}
        {row.shareLinkLabel !== null && <> · share link “{row.shareLinkLabel}”</>}
      </Item>
      <Item term="Visitor">
        <span className="font-mono text-xs">{row.clientIp}</span> · {describeUserAgent(row.userAgent)}
        {visitorHref && (
          <>
            {" · "}
            <Link href={visitorHref} scroll={false} className="font-medium text-indigo-700 hover:underline">
              Only this visitor
            </Link>
          </>
        )}
        {row.userAgent && (
          <span className="mt-0.5 block font-mono text-xs break-all text-zinc-500">{row.userAgent}</span>
        )}
      </Item>
      <Item term="Request headers">
        {row.requestHeaders ? (
          <HeaderList headers={row.requestHeaders} label="Request headers" />
        ) : (
          <span className="text-zinc-500">Not recorded for this request.</span>
        )}
      </Item>
      <Item term="Response headers">
        {row.responseHeaders ? (
          <HeaderList headers={row.responseHeaders} label="Response headers" />
        ) : (
          <span className="text-zinc-500">{noResponseHeaders(row)}</span>
        )}
      </Item>
      {!row.upgrade && <ReplayItem row={row} publicUrl={publicUrl} />}
    </dl>
  );
}
