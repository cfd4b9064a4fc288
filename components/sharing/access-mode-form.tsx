"use client";

import { useActionState, useState } from "react";
import { type ActionResult, type ActionState, fieldError, formError } from "@/lib/web/action-result";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { TextField } from "../ui/field";

export type AccessMode = "PUBLIC" | "PASSWORD" | "LINKS";

export interface AccessModeSaved {
  mode: AccessMode;
  hasPassword: boolean;
  passwordChanged: boolean;
}

export type SetAccessModeAction = (
  state: ActionState<AccessModeSaved>,
  form: FormData,
) => Promise<ActionResult<AccessModeSaved>>;

const MODES: { value: AccessMode; label: string; description: string }[] = [
  { value: "PUBLIC", label: "Public", description: "Anyone who has the address can open it." },
  {
    value: "PASSWORD",
    label: "Password",
    description:
      "Visitors enter a password on a Burrow page before anything reaches your app. Scripts and webhooks can send it with HTTP Basic auth (curl -u :password). Share links work too.",
  },
  { value: "LINKS", label: "Links only", description: "Only people you give a share link to can open it." },
];

/** The access mode selector, with the tunnel password when "Password" is chosen. */
export function AccessModeForm({
  action,
  name,
  initial,
}: {
  action: SetAccessModeAction;
  name: string;
  initial: { mode: AccessMode; hasPassword: boolean };
}) {
  const [state, formAction, pending] = useActionState(action, null);
  const [mode, setMode] = useState<AccessMode>(initial.mode);
  const hasPassword = state?.ok ? state.data.hasPassword : initial.hasPassword;
  const message = formError(state);
  const passwordError = fieldError(state, "password");

  return (
    <form action={formAction} className="space-y-4" aria-label="Access mode">
      <input type="hidden" name="name" defaultValue={name} />
      <div aria-live="polite">
        {state?.ok && (
          <Alert tone="success">
            Saved: {MODES.find((m) => m.value === state.data.mode)?.label.toLowerCase()}.
            {state.data.passwordChanged && " Everyone signed in with the old password has been signed out."}
          </Alert>
        )}
        {message && <Alert tone="error">{message}</Alert>}
      </div>
      <fieldset className="space-y-2">
        <legend className="mb-2 text-sm font-medium text-zinc-800">Who can open this tunnel</legend>
        {MODES.map((option) => (
          <label
            key={option.value}
            className={cn(
              "flex cursor-pointer gap-3 rounded-md p-3 ring-1 ring-inset",
              mode === option.value ? "bg-indigo-50 ring-indigo-300" : "ring-zinc-200 hover:bg-zinc-50",
            )}
          >
            <input
              type="radio"
              name="mode"
              value={option.value}
              // Uncontrolled on purpose: React 19 resets a form after its action, and a *controlled*
              // radio is reset to its first-rendered default while the state keeps the choice
              // (facebook/react#31695): after a refused save "Public" was checked under a highlighted
              // "Password", and the next save made the tunnel public. A default that follows the
              // state is what the reset restores.
              defaultChecked={mode === option.value}
              onChange={() => setMode(option.value)}
              className="mt-1 accent-indigo-600"
              aria-labelledby={`mode-${option.value}-label`}
              aria-describedby={`mode-${option.value}-description`}
            />
            <span>
              <span id={`mode-${option.value}-label`} className="block text-sm font-medium text-zinc-900">
                {option.label}
              </span>
              <span id={`mode-${option.value}-description`} className="block text-sm text-zinc-600">
                {option.description}
              </span>
            </span>
          </label>
        ))}
      </fieldset>
      {mode === "PASSWORD" && (
        <TextField
          id="tunnel-password"
          name="password"
          type="password"
          autoComplete="new-password"
          label={hasPassword ? "New tunnel password (optional)" : "Tunnel password"}
          required={!hasPassword}
          maxLength={200}
          error={passwordError}
          hint={
            hasPassword
              ? "Leave empty to keep the current password. Changing it signs everyone out."
              : "At least 8 characters. Give it to the people who should get in."
          }
        />
      )}
      <Button type="submit" pending={pending}>
        Save access
      </Button>
    </form>
  );
}
