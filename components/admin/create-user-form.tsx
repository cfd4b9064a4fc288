"use client";

import { useEffect, useState } from "react";
import { type ActionResult, type ActionState, fieldError, formError } from "@/lib/web/action-result";
import { useFormAction } from "../hooks/use-form-action";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { TextField } from "../ui/field";

export type CreateUserAction = (
  state: ActionState<{ email: string }>,
  form: FormData,
) => Promise<ActionResult<{ email: string }>>;

export function CreateUserForm({ action }: { action: CreateUserAction }) {
  const [state, formAction, pending] = useFormAction(action);
  const [email, setEmail] = useState("");
  const [admin, setAdmin] = useState(false);
  useEffect(() => {
    if (!state?.ok) return;
    setEmail("");
    setAdmin(false);
  }, [state]);
  const message = formError(state);
  return (
    <form action={formAction} className="space-y-2" aria-label="Create a user" noValidate>
      <div aria-live="polite">
        {state?.ok && (
          <Alert tone="success">
            Created {state.data.email}. Give them their password over a safe channel.
          </Alert>
        )}
        {message && <Alert tone="error">{message}</Alert>}
      </div>
      <TextField
        id="new-email"
        name="email"
        type="email"
        label="Email"
        autoComplete="off"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={fieldError(state, "email")}
      />
      <TextField
        id="new-password"
        name="password"
        type="password"
        label="Initial password"
        autoComplete="new-password"
        error={fieldError(state, "password")}
      />
      <label className="flex items-center gap-2 pb-2 text-sm text-zinc-800 dark:text-zinc-200">
        {/* React 19 resets a form after its action: an uncontrolled box went back to unchecked after a
            refused submit, and a controlled one is reset too (facebook/react#31695). A default that
            follows the choice survives the reset. */}
        <input
          type="checkbox"
          name="admin"
          defaultChecked={admin}
          onChange={(e) => setAdmin(e.target.checked)}
          className="size-4 accent-indigo-600"
        />{" "}
        Make this user an admin
      </label>
      <Button type="submit" pending={pending}>
        Create user
      </Button>
    </form>
  );
}
