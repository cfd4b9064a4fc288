"use client";

import { type ActionResult, type ActionState, fieldError, formError } from "@/lib/web/action-result";
import { useFormAction } from "../hooks/use-form-action";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { TextField } from "../ui/field";

export type ChangePasswordAction = (state: ActionState<null>, form: FormData) => Promise<ActionResult<null>>;

/** Current and new password. Both fields are uncontrolled: React clears them after every submit. */
export function ChangePasswordForm({ action }: { action: ChangePasswordAction }) {
  const [state, formAction, pending] = useFormAction(action);
  const message = state?.ok ? null : formError(state);
  return (
    <form action={formAction} className="space-y-2" aria-label="Change password" noValidate>
      <div aria-live="polite">
        {state?.ok && <Alert tone="success">Password changed. Your other browsers were signed out.</Alert>}
        {message && <Alert tone="error">{message}</Alert>}
      </div>
      <TextField
        id="current-password"
        name="currentPassword"
        type="password"
        label="Current password"
        autoComplete="current-password"
        required
        error={fieldError(state, "currentPassword")}
      />
      <TextField
        id="new-password"
        name="newPassword"
        type="password"
        label="New password"
        autoComplete="new-password"
        required
        hint="At least 10 characters. A long passphrase is best."
        error={fieldError(state, "newPassword")}
      />
      <Button type="submit" pending={pending}>
        Change password
      </Button>
    </form>
  );
}
