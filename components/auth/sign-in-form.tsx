"use client";

import { useState } from "react";
import { type ActionResult, type ActionState, fieldError, formError } from "@/lib/web/action-result";
import { useFormAction } from "../hooks/use-form-action";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { TextField } from "../ui/field";

export type AuthFormAction = (state: ActionState<null>, form: FormData) => Promise<ActionResult<null>>;

/** Email + password form shared by sign-in and sign-up (and the admin's "create user"). */
export function CredentialsForm({
  action,
  submitLabel,
  passwordAutoComplete,
  callbackUrl,
  passwordHint,
}: {
  action: AuthFormAction;
  submitLabel: string;
  passwordAutoComplete: "current-password" | "new-password";
  callbackUrl?: string;
  passwordHint?: string;
}) {
  const [state, formAction, pending] = useFormAction(action);
  // Controlled so the email survives React resetting the form after a failed submit; the password
  // is deliberately left uncontrolled and cleared.
  const [email, setEmail] = useState("");
  const message = formError(state);

  return (
    <form action={formAction} className="space-y-2" aria-label={submitLabel} noValidate>
      {callbackUrl && <input type="hidden" name="callbackUrl" value={callbackUrl} />}
      <div aria-live="polite" className="min-h-0">
        {message && <Alert tone="error">{message}</Alert>}
      </div>
      <TextField
        id="email"
        name="email"
        type="email"
        label="Email"
        autoComplete="email"
        required
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={fieldError(state, "email")}
      />
      <TextField
        id="password"
        name="password"
        type="password"
        label="Password"
        autoComplete={passwordAutoComplete}
        required
        hint={passwordHint}
        error={fieldError(state, "password")}
      />
      <Button type="submit" pending={pending} className="w-full">
        {submitLabel}
      </Button>
    </form>
  );
}
