"use client";

import { useActionState } from "react";
import type { ActionResult, ActionState } from "@/lib/web/action-result";
import { formError } from "@/lib/web/action-result";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";

export type ReplayAction = (state: ActionState<null>, form: FormData) => Promise<ActionResult<null>>;

/**
 * "Send again": asks the relay to send a logged request to the app once more. The answer is not
 * shown here but in the log, as a new row the live tail brings in, so it can be compared with the
 * original and opened like any other.
 */
export function ReplayButton({
  action,
  name,
  id,
  problem,
  hidden,
}: {
  action: ReplayAction;
  name: string;
  id: string;
  /** Why it cannot be sent as it was (the button is not offered); null when it can. */
  problem: string | null;
  /** Headers the log hid, which the replay goes without. */
  hidden: string[];
}) {
  const [state, formAction, pending] = useActionState(action, null);
  if (problem !== null) {
    return <p className="text-zinc-500">Cannot be sent again: {problem}.</p>;
  }
  const message = formError(state);
  return (
    <form action={formAction} className="space-y-2" aria-label="Send this request again">
      <input type="hidden" name="name" defaultValue={name} />
      <input type="hidden" name="id" defaultValue={id} />
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" variant="secondary" size="sm" pending={pending}>
          Send again
        </Button>
        <span className="text-xs text-zinc-500">
          Straight to your app through the tunnel; its answer appears at the top of the log, marked Replay.
          {hidden.length > 0 && ` Without ${hidden.join(", ")}: hidden in the log.`}
        </span>
      </div>
      <div aria-live="polite">
        {state?.ok && <Alert tone="success">Sent. Your app’s answer is logged as a new request.</Alert>}
        {message && <Alert tone="error">{message}</Alert>}
      </div>
    </form>
  );
}
