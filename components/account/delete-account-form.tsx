"use client";

import { type ActionResult, type ActionState, fieldError, formError } from "@/lib/web/action-result";
import { useFormAction } from "../hooks/use-form-action";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { TextField } from "../ui/field";

export type DeleteAccountAction = (state: ActionState<null>, form: FormData) => Promise<ActionResult<null>>;

/**
 * Deleting the account: the password is the confirmation (a stray click cannot delete, nor can
 * whoever finds the browser unattended). On success the action signs out and leaves the page.
 * `blockers` (as of the page's load) are every reason it would be refused now: said before the
 * password is typed, with no field or button that could only fail.
 */
export function DeleteAccountForm({
  action,
  names,
  blockers,
}: {
  action: DeleteAccountAction;
  names: string[];
  blockers: string[];
}) {
  const [state, formAction, pending] = useFormAction(action);
  const message = state && !state.ok ? formError(state) : null;
  return (
    <form action={formAction} className="space-y-3" aria-label="Delete account" noValidate>
      {/* Names of 63 characters have no space to break at: they wrap rather than widen the page. */}
      <p className="text-sm wrap-anywhere text-zinc-700 dark:text-zinc-300">
        {names.length > 0 ? (
          <>
            Your names ({names.join(", ")}) are released for anyone to reserve, and their request logs
            deleted.{" "}
          </>
        ) : null}
        Your SSH keys, share links, tunnel history, sign-ins and the request logs of your random-name tunnels
        go with the account. This cannot be undone.
      </p>
      {blockers.length > 0 ? (
        <Alert tone="warning">
          {blockers.length === 1 ? (
            `${blockers[0]}.`
          ) : (
            <>
              Not yet:
              <ul className="mt-1 list-disc pl-5">
                {blockers.map((blocker) => (
                  <li key={blocker}>{blocker}.</li>
                ))}
              </ul>
            </>
          )}
        </Alert>
      ) : (
        <>
          <div aria-live="polite">{message && <Alert tone="error">{message}</Alert>}</div>
          <TextField
            id="delete-password"
            name="currentPassword"
            type="password"
            label="Your password"
            autoComplete="current-password"
            required
            error={fieldError(state, "currentPassword")}
          />
          <Button type="submit" variant="danger" pending={pending}>
            Delete my account
          </Button>
        </>
      )}
    </form>
  );
}
