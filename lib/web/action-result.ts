import type { AppErrorCode } from "../errors.ts";

// Shared by server actions and the client forms that read their state, so no "server-only" here.

export interface ActionError {
  code: AppErrorCode | "internal";
  message: string;
  fieldErrors?: Record<string, string[]>;
}

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: ActionError };

/** What a form's `useActionState` starts with: nothing submitted yet. */
export type ActionState<T> = ActionResult<T> | null;

/** The first message for one field, for `aria-describedby` error text. */
export function fieldError(state: ActionState<unknown>, field: string): string | undefined {
  return state && !state.ok ? state.error.fieldErrors?.[field]?.[0] : undefined;
}

/** The error that is not about one field (shown at the top of the form). */
export function formError(state: ActionState<unknown>): string | undefined {
  if (!state || state.ok) return undefined;
  return state.error.fieldErrors && Object.keys(state.error.fieldErrors).length > 0
    ? undefined
    : state.error.message;
}
