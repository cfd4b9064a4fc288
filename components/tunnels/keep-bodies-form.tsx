"use client";

import { type ActionResult, type ActionState, formError } from "@/lib/web/action-result";
import { useFormAction } from "../hooks/use-form-action";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";

export type SetKeepBodiesAction = (
  state: ActionState<boolean>,
  form: FormData,
) => Promise<ActionResult<boolean>>;

/**
 * The request log's "Keep bodies" switch: one button that flips it, with what it means next to it.
 * Off by default: bodies may hold what visitors type into forms, so the owner chooses to keep them.
 */
export function KeepBodiesForm({
  action,
  name,
  initial,
  limit,
}: {
  action: SetKeepBodiesAction;
  name: string;
  initial: boolean;
  /** How much of each body is kept, e.g. "64 KiB". */
  limit: string;
}) {
  const [state, formAction, pending] = useFormAction(action);
  const keeping = state?.ok ? state.data : initial;
  const message = formError(state);
  return (
    <form
      action={formAction}
      className="flex max-w-md flex-col items-end gap-1 text-right"
      aria-label="Keep bodies"
    >
      <input type="hidden" name="name" defaultValue={name} />
      <input type="hidden" name="keep" value={keeping ? "false" : "true"} />
      <div className="flex flex-wrap items-center justify-end gap-2">
        <span className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="keep-bodies-state">
          {keeping ? `Keeping the first ${limit} of each body` : "Bodies not kept"}
        </span>
        <Button type="submit" variant="secondary" pending={pending}>
          {keeping ? "Stop keeping bodies" : "Keep bodies"}
        </Button>
      </div>
      {!keeping && (
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          To read what visitors send and your app answers. Form fields are kept as typed, passwords included.
        </p>
      )}
      <div aria-live="polite">{message && <Alert tone="error">{message}</Alert>}</div>
    </form>
  );
}
