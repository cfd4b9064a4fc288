"use client";

import { formatBytes, formatCount } from "@/lib/web/format";
import type { TunnelStatus } from "@/lib/web/tunnel-dto";
import { PUSHED_POLL_MS, useAnnounced } from "../hooks/use-announced";
import { useLiveJson } from "../hooks/use-live-json";
import { NotUpdating, notLive } from "../session/not-updating";
import { cn } from "../ui/cn";
import { LocalTime } from "../ui/local-time";
import { Stat } from "../ui/stat";
import { StatusBadge } from "../ui/status-badge";
import { TimeAgo } from "../ui/time-ago";
import { useTunnelEvents, useTunnelEventsConnected } from "./tunnel-events";

/** How often the status is asked for while the page's event stream is down. */
const POLL_MS = 3_000;

/**
 * The relay's advice as the page shows it: the ssh session's line ("myapp: your app …") without
 * the name, which the page's heading already says.
 */
function advice(name: string, notice: string): string {
  const text = notice.startsWith(`${name}: `) ? notice.slice(name.length + 2) : notice;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Status and the current session, fetched again when the page's event stream announces a change
 * (polled while it cannot). Fixed grid: values change, layout does not.
 */
export function LiveStatus({ name, initial }: { name: string; initial: TunnelStatus }) {
  const pushed = useTunnelEventsConnected();
  const { changed, announce } = useAnnounced();
  useTunnelEvents(["ready", "status"], announce);
  const { data, failure, ended, asOf } = useLiveJson<TunnelStatus>(
    `/api/tunnels/${encodeURIComponent(name)}`,
    initial,
    pushed ? PUSHED_POLL_MS : POLL_MS,
    false,
    changed,
  );
  const s = data.session;
  return (
    <div>
      <div className="mb-4 flex items-center gap-3">
        <span
          data-testid="tunnel-status"
          data-updates={ended ? "ended" : pushed ? "push" : "poll"}
          className={notLive(ended)}
        >
          <StatusBadge online={data.online} />
        </span>
        <span className="text-sm text-zinc-500 dark:text-zinc-400" aria-live="polite">
          {ended || failure ? (
            <NotUpdating asOf={asOf} failure={ended ? null : failure} />
          ) : data.online ? (
            "Connected"
          ) : (
            "Not connected"
          )}
        </span>
      </div>
      <dl className={cn("grid grid-cols-2 gap-4 sm:grid-cols-5", notLive(ended))}>
        <Stat label="Since">{s ? <LocalTime iso={s.startedAt} withDate /> : "–"}</Stat>
        <Stat label="From">{s ? s.clientIp : "–"}</Stat>
        <Stat label="Requests">{s ? formatCount(s.requests) : "–"}</Stat>
        <Stat label="In / out">{s ? `${formatBytes(s.bytesIn)} / ${formatBytes(s.bytesOut)}` : "–"}</Stat>
        <Stat label="Last seen">{data.online ? "now" : <TimeAgo date={data.lastSeenAt} />}</Stat>
      </dl>
      {s?.notice && (
        <p className="mt-4 rounded-md border border-amber-200 dark:border-amber-800 bg-amber-50 dark:bg-amber-950/40 px-3 py-2 text-sm break-words text-amber-900 dark:text-amber-100">
          {advice(name, s.notice)}
        </p>
      )}
    </div>
  );
}
