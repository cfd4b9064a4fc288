"use client";

import { formatDuration } from "@/lib/web/format";
import { describeOutcome } from "@/lib/web/log-access";
import type { LogRow } from "@/lib/web/tunnel-dto";
import { Alert } from "../ui/alert";

/** How a replay finds its answer among the rows the open log holds (its live tail adds them). */
export interface ReplayWatch {
  /** The newest request id the log has seen: a replay's row comes after it. */
  newestId: () => string;
  /** The first Replay row after `afterId` with this method and path, once the log has it. */
  find: (afterId: string, method: string, path: string) => LogRow | undefined;
}

/** What was sent, to recognise its row by. */
export interface SentReplay {
  afterId: string;
  method: string;
  path: string;
}

/**
 * After a replay was sent: the app's answer as soon as its row reaches the log, said where the
 * owner clicked, so they need not look for it. Until then (or if the log's filters leave the row
 * out), that it was sent.
 */
export function ReplayOutcome({ watch, sent }: { watch: ReplayWatch | undefined; sent: SentReplay }) {
  const row = watch?.find(sent.afterId, sent.method, sent.path);
  if (!row) {
    return (
      <Alert tone="success">
        Sent. Your app’s answer is logged as a new request at the top of the log (unless the filters leave it
        out).
      </Alert>
    );
  }
  const failed = row.error !== null || row.status >= 500;
  return (
    <Alert tone={failed ? "warning" : "success"}>
      {describeOutcome(row)} Took {formatDuration(row.durationMs)}; its row is at the top of the log.
    </Alert>
  );
}
