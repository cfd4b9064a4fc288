"use client";

import { useState } from "react";
import type { ActionResult, ActionState } from "@/lib/web/action-result";
import { formError } from "@/lib/web/action-result";
import { useFormAction } from "../hooks/use-form-action";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { ReplayOutcome, type ReplayWatch, type SentReplay } from "./replay-outcome";

export type ReplayAction = (state: ActionState<null>, form: FormData) => Promise<ActionResult<null>>;

/**
 * "Send again": asks the relay to send a logged request to the app once more. The answer arrives
 * in the log as a new row the live tail brings in (to compare with the original and open like any
 * other), and is summed up here once it has.
 */
export function ReplayButton({
  action,
  name,
  id,
  method,
  path,
  problem,
  hidden,
  watch,
}: {
  action: ReplayAction;
  name: string;
  id: string;
  method: string;
  path: string;
  /** Why it cannot be sent as it was (the button is not offered); null when it can. */
  problem: string | null;
  /** Headers the log hid, which the replay goes without. */
  hidden: string[];
  watch: ReplayWatch | undefined;
}) {
  const [state, formAction, pending] = useFormAction(action);
  const [sent, setSent] = useState<SentReplay | null>(null);
  if (problem !== null) {
    return <p className="text-zinc-500 dark:text-zinc-400">Cannot be sent again: {problem}.</p>;
  }
  const message = formError(state);
  return (
    <form
      action={formAction}
      // Before the action runs: the replay's row comes after the newest one the log has now.
      onSubmit={() => setSent({ afterId: watch?.newestId() ?? "0", method, path })}
      className="space-y-2"
      aria-label="Send this request again"
    >
      <input type="hidden" name="name" defaultValue={name} />
      <input type="hidden" name="id" defaultValue={id} />
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" variant="secondary" size="sm" pending={pending}>
          Send again
        </Button>
        <span className="text-xs text-zinc-500 dark:text-zinc-400">
          Straight to your app through the tunnel; its answer appears at the top of the log, marked Replay.
          {hidden.length > 0 && ` Without ${hidden.join(", ")}: hidden in the log.`}
        </span>
      </div>
      <div aria-live="polite">
        {state?.ok && sent && <ReplayOutcome watch={watch} sent={sent} />}
        {message && <Alert tone="error">{message}</Alert>}
      </div>
    </form>
  );
}
