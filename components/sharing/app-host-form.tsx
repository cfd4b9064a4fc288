"use client";

import { useState } from "react";
import type { AppHost } from "@/lib/sharing/schemas";
import { type ActionResult, type ActionState, formError } from "@/lib/web/action-result";
import { useFormAction } from "../hooks/use-form-action";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { type RadioCardOption, RadioCards } from "../ui/radio-cards";

export type SetAppHostAction = (
  state: ActionState<AppHost>,
  form: FormData,
) => Promise<ActionResult<AppHost>>;

/** The Host header a name's app receives: the visitor's, or "localhost" for strict dev servers. */
export function AppHostForm({
  action,
  name,
  host,
  initial,
}: {
  action: SetAppHostAction;
  name: string;
  /** The tunnel's public host, e.g. myapp.example.com */
  host: string;
  initial: AppHost;
}) {
  const [state, formAction, pending] = useFormAction(action);
  const [choice, setChoice] = useState<AppHost>(initial);
  const message = formError(state);
  const options: RadioCardOption<AppHost>[] = [
    {
      value: "VISITOR",
      label: `As visitors send it (${host})`,
      description: "What most apps expect: links and redirects they build use the public address.",
    },
    {
      value: "LOCALHOST",
      label: "localhost",
      description:
        "For a Vite dev server (or what runs on it: Nuxt, SvelteKit, Astro) that refuses other host names. Your app still gets the public address in X-Forwarded-Host.",
    },
  ];

  return (
    <form action={formAction} className="space-y-4" aria-label="Host header">
      <input type="hidden" name="name" defaultValue={name} />
      <div aria-live="polite">
        {state?.ok && (
          <Alert tone="success">
            Saved: your app now receives Host: {state.data === "LOCALHOST" ? "localhost" : host}.
          </Alert>
        )}
        {message && <Alert tone="error">{message}</Alert>}
      </div>
      <RadioCards
        name="host"
        legend="Host header your app receives"
        options={options}
        value={choice}
        onChange={setChoice}
      />
      <Button type="submit" pending={pending}>
        Save Host header
      </Button>
    </form>
  );
}
