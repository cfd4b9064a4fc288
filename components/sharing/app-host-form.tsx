"use client";

import { useActionState, useState } from "react";
import { type ActionResult, type ActionState, formError } from "@/lib/web/action-result";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";

export type AppHost = "VISITOR" | "LOCALHOST";

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
  const [state, formAction, pending] = useActionState(action, null);
  const [choice, setChoice] = useState<AppHost>(initial);
  const message = formError(state);
  const options: { value: AppHost; label: string; description: string }[] = [
    {
      value: "VISITOR",
      label: `As visitors send it (${host})`,
      description: "What most apps expect: links and redirects they build use the public address.",
    },
    {
      value: "LOCALHOST",
      label: "localhost",
      description:
        "For development servers that refuse other host names (Vite, webpack, Django, Rails). Your app still gets the public address in X-Forwarded-Host.",
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
      <fieldset className="space-y-2">
        <legend className="mb-2 text-sm font-medium text-zinc-800">Host header your app receives</legend>
        {options.map((option) => (
          <label
            key={option.value}
            className={cn(
              "flex cursor-pointer gap-3 rounded-md p-3 ring-1 ring-inset",
              choice === option.value ? "bg-indigo-50 ring-indigo-300" : "ring-zinc-200 hover:bg-zinc-50",
            )}
          >
            <input
              type="radio"
              name="host"
              value={option.value}
              // Uncontrolled, with a default that follows the choice: see AccessModeForm.
              defaultChecked={choice === option.value}
              onChange={() => setChoice(option.value)}
              className="mt-1 accent-indigo-600"
              aria-labelledby={`host-${option.value}-label`}
              aria-describedby={`host-${option.value}-description`}
            />
            <span>
              <span id={`host-${option.value}-label`} className="block text-sm font-medium text-zinc-900">
                {option.label}
              </span>
              <span id={`host-${option.value}-description`} className="block text-sm text-zinc-600">
                {option.description}
              </span>
            </span>
          </label>
        ))}
      </fieldset>
      <Button type="submit" pending={pending}>
        Save Host header
      </Button>
    </form>
  );
}
