"use client";

import { useEffect, useId, useState } from "react";
import { type ActionResult, type ActionState, fieldError, formError } from "@/lib/web/action-result";
import { useFormAction } from "../hooks/use-form-action";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { TextAreaField } from "../ui/field";

export type SetAllowedAddressesAction = (
  state: ActionState<string[]>,
  form: FormData,
) => Promise<ActionResult<string[]>>;

/** The networks a name opens for: addresses and ranges, one per line; empty means anyone. */
export function AllowedAddressesForm({
  action,
  name,
  initial,
}: {
  action: SetAllowedAddressesAction;
  name: string;
  initial: readonly string[];
}) {
  const id = useId();
  const [state, formAction, pending] = useFormAction(action);
  const message = formError(state);
  // Controlled, so a refused list stays as typed; a saved one is shown as stored (lower case, no repeats).
  const [text, setText] = useState(initial.join("\n"));
  useEffect(() => {
    if (state?.ok) setText(state.data.join("\n"));
  }, [state]);

  return (
    <form action={formAction} className="space-y-4" aria-label="Allowed addresses">
      <input type="hidden" name="name" defaultValue={name} />
      <div aria-live="polite">
        {state?.ok && (
          <Alert tone="success">
            {state.data.length === 0
              ? "Saved: visitors from any address may open it."
              : `Saved: only visitors from ${state.data.length === 1 ? "this address or range" : `these ${state.data.length} addresses and ranges`} may open it.`}
          </Alert>
        )}
        {message && <Alert tone="error">{message}</Alert>}
      </div>
      <TextAreaField
        id={`${id}-addresses`}
        name="addresses"
        label="Addresses and ranges"
        rows={4}
        value={text}
        onChange={(event) => setText(event.target.value)}
        error={fieldError(state, "addresses")}
        placeholder={"203.0.113.7\n10.0.0.0/8\n2001:db8::/32"}
        hint={
          <>
            One per line (or separated by commas). The words <code>private</code> and <code>loopback</code>{" "}
            stand for those networks. Leave empty to let anyone in.
          </>
        }
        spellCheck={false}
      />
      <Button type="submit" pending={pending}>
        Save addresses
      </Button>
    </form>
  );
}
