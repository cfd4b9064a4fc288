"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { useFormAction } from "../hooks/use-form-action";
import { Button } from "../ui/button";
import type { ReserveNameAction } from "./reserve-name-form";

/**
 * Reserves a random name the relay gave the user, so it stays theirs for good and gets the settings
 * of a name (password, share links, kept bodies). Says why when it cannot (the names quota).
 */
export function KeepNameButton({ name, action }: { name: string; action: ReserveNameAction }) {
  const [state, formAction, pending] = useFormAction(action);
  const router = useRouter();
  // The page shows the name as reserved once it is rendered again.
  useEffect(() => {
    if (state?.ok) router.refresh();
  }, [state, router]);
  return (
    <form action={formAction} className="flex flex-col items-end gap-1">
      <input type="hidden" name="name" value={name} />
      <Button
        type="submit"
        variant="secondary"
        size="sm"
        disabled={pending}
        aria-label={`Keep this name: ${name}`}
      >
        Keep this name
      </Button>
      {state && !state.ok && (
        <p role="alert" className="max-w-xs text-right text-xs text-red-700 dark:text-red-300">
          {state.error.fieldErrors?.name?.[0] ?? state.error.message}
        </p>
      )}
    </form>
  );
}
