"use client";

import { useState } from "react";
import { type ActionResult, type ActionState, fieldError, formError } from "@/lib/web/action-result";
import { useFormAction } from "../hooks/use-form-action";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { TextField } from "../ui/field";
import { type RadioCardOption, RadioCards } from "../ui/radio-cards";

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

const MODES: RadioCardOption<AccessMode>[] = [
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
  const [state, formAction, pending] = useFormAction(action);
  const [mode, setMode] = useState<AccessMode>(initial.mode);
  const hasPassword = state?.ok ? state.data.hasPassword : initial.hasPassword;
  // Whether a password was there before the last save: only then were visitors signed out.
  const [hadPassword, setHadPassword] = useState(initial.hasPassword);
  // Controlled, so a password the server refused (too short) stays to be corrected, not retyped.
  const [password, setPassword] = useState("");
  const [savedState, setSavedState] = useState(state);
  if (state !== savedState) {
    setSavedState(state);
    if (state?.ok) setPassword("");
  }
  const message = formError(state);
  const passwordError = fieldError(state, "password");

  return (
    <form
      action={formAction}
      onSubmit={() => setHadPassword(hasPassword)}
      className="space-y-4"
      aria-label="Access mode"
    >
      <input type="hidden" name="name" defaultValue={name} />
      <div aria-live="polite">
        {state?.ok && (
          <Alert tone="success">
            Saved: {MODES.find((m) => m.value === state.data.mode)?.label.toLowerCase()}.
            {state.data.passwordChanged &&
              hadPassword &&
              " Everyone signed in with the old password has been signed out."}
          </Alert>
        )}
        {message && <Alert tone="error">{message}</Alert>}
      </div>
      <RadioCards
        name="mode"
        legend="Who can open this tunnel"
        options={MODES}
        value={mode}
        onChange={setMode}
      />
      {mode === "PASSWORD" && (
        <TextField
          id="tunnel-password"
          name="password"
          type="password"
          autoComplete="new-password"
          label={hasPassword ? "New tunnel password (optional)" : "Tunnel password"}
          required={!hasPassword}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
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
