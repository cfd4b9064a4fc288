"use client";

import { useEffect, useId, useRef, useState } from "react";
import { type ActionResult, type ActionState, fieldError, formError } from "@/lib/web/action-result";
import { useFormAction } from "../hooks/use-form-action";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { TextField } from "../ui/field";

export type SetPasswordAction = (state: ActionState<null>, form: FormData) => Promise<ActionResult<null>>;

/**
 * An admin's "Set password" for another account (a user who forgot theirs): a dialog asking for the
 * new password, which the admin then passes on. Field errors show under the field; on success the
 * dialog closes and the row says it was done.
 */
export function SetPasswordAction({
  action,
  userId,
  email,
  passwordHint,
}: {
  action: SetPasswordAction;
  userId: string;
  email: string;
  passwordHint: string;
}) {
  const [state, formAction, pending] = useFormAction(action);
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState(false);
  // Errors are of the last try in this opening of the dialog, not of one before it.
  const [showErrors, setShowErrors] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const fieldId = useId();

  useEffect(() => {
    if (!state) return;
    if (state.ok) {
      setOpen(false);
      setDone(true);
    } else setShowErrors(true);
  }, [state]);

  const shown = showErrors ? state : null;
  return (
    <form ref={form} action={formAction} className="flex items-center gap-2">
      <input type="hidden" name="userId" defaultValue={userId} />
      {done && (
        <span role="status" className="text-xs text-emerald-700 dark:text-emerald-300">
          Password set
        </span>
      )}
      <Button
        variant="secondary"
        size="sm"
        aria-label={`Set password for ${email}`}
        onClick={() => {
          setDone(false);
          setShowErrors(false);
          setOpen(true);
        }}
      >
        Set password
      </Button>
      <ConfirmDialog
        open={open}
        title={`Set a new password for ${email}?`}
        confirmLabel="Set password"
        pending={pending}
        // A field error shows under the field; anything else (not found, not allowed) here.
        error={formError(shown)}
        onCancel={() => setOpen(false)}
        onConfirm={() => form.current?.requestSubmit()}
      >
        <p className="mb-3">
          They are signed out of every browser and sign in again with this password: tell it to them, and they
          can change it on their Account page.
        </p>
        <TextField
          id={`${fieldId}-password`}
          name="password"
          type="password"
          label="New password"
          autoComplete="new-password"
          hint={passwordHint}
          error={fieldError(shown, "password")}
        />
      </ConfirmDialog>
    </form>
  );
}
