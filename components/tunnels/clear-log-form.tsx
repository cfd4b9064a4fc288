"use client";

import type { LogDeletionView } from "@/lib/web/log-deletion-view";
import { fetchSignedIn } from "../hooks/use-session-ended";
import { ConfirmAction, type ConfirmableAction } from "../ui/confirm-action";
import { useTunnelActivity } from "./tunnel-activity";

/**
 * Whether the name's Delete all is done: a big log's goes on in the background after the action
 * returns, and its rows are still there until LogDeletionProgress says otherwise.
 */
async function deletionFinished(name: string): Promise<boolean> {
  try {
    const response = await fetchSignedIn(`/api/tunnels/${encodeURIComponent(name)}/log-deletion`, {
      cache: "no-store",
    });
    if (!response.ok) return false;
    return Boolean(((await response.json()) as LogDeletionView | null)?.finishedAt);
  } catch {
    return false;
  }
}

/**
 * "Delete all requests…" under the log. The page re-renders without them; the traffic chart and
 * the log's empty state are client state, so they hear of it here, at once, if it is done (a big
 * log's deletion tells them when it is: LogDeletionProgress).
 */
export function ClearLogForm({ action, name }: { action: ConfirmableAction; name: string }) {
  const { reportDeleted } = useTunnelActivity();
  // Told from the action's result, not onDone: the emptied page remounts the log, this button
  // with it, before the button's own effects would run.
  const clear: ConfirmableAction = async (state, form) => {
    const result = await action(state, form);
    if (result.ok && (await deletionFinished(name))) reportDeleted("all");
    return result;
  };
  return (
    <ConfirmAction
      action={clear}
      fields={{ name, what: "all" }}
      triggerLabel="Delete all requests…"
      title={`Delete every request to ${name}?`}
      body="The whole log goes, bodies included, whatever the filters show; new requests are logged as before. This cannot be undone."
      confirmLabel="Delete requests"
    />
  );
}
