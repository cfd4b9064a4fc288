"use client";

import { ConfirmAction, type ConfirmableAction } from "../ui/confirm-action";
import { useTunnelActivity } from "./tunnel-activity";

/**
 * "Delete all requests…" under the log. The page re-renders without them; the traffic chart and
 * the log's empty state are client state, so they hear of it here, at once.
 */
export function ClearLogForm({ action, name }: { action: ConfirmableAction; name: string }) {
  const { reportDeleted } = useTunnelActivity();
  // Told from the action's result, not onDone: the emptied page remounts the log, this button
  // with it, before the button's own effects would run.
  const clear: ConfirmableAction = async (state, form) => {
    const result = await action(state, form);
    if (result.ok) reportDeleted("all");
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
