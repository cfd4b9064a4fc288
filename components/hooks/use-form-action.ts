"use client";

import { useActionState } from "react";
import type { ActionResult, ActionState } from "@/lib/web/action-result";

/** Said when a form's request never got an answer from Burrow (network down, Burrow stopped). */
export const UNREACHABLE_MESSAGE =
  "Could not reach Burrow: check your connection (or whether Burrow is running), then try again.";

/** Said when something in front of Burrow answered instead of it (a proxy's error page). */
export const UNEXPECTED_ANSWER_MESSAGE =
  "Burrow did not answer properly (it may be restarting). Try again in a moment.";

// What Next's client throws when an action's answer is not its own (a proxy's 502 page).
const NEXT_UNEXPECTED_RESPONSE = "An unexpected response was received from the server.";

/**
 * useActionState for a server action that returns an ActionResult, where a request that fails on
 * the way (the network, Burrow stopped, a proxy's error page) comes back as the form's error like
 * any other. Thrown, it reached the page's error boundary, which replaced the whole form, and what
 * was typed (a pasted key, a password) was lost. Next's own signals (a redirect, notFound) carry a
 * `digest` and are thrown on, for Next to handle.
 */
export function useFormAction<T>(
  action: (state: ActionState<T>, form: FormData) => Promise<ActionResult<T>>,
): [state: ActionState<T>, formAction: (form: FormData) => void, pending: boolean] {
  return useActionState<ActionState<T>, FormData>(async (state, form) => {
    try {
      return await action(state, form);
    } catch (error) {
      const message = failedOnTheWay(error);
      if (message === null) throw error;
      return { ok: false, error: { code: "unavailable", message } };
    }
  }, null);
}

/** The message for a request that failed before Burrow's answer arrived, or null for anything else. */
export function failedOnTheWay(error: unknown): string | null {
  if (typeof error === "object" && error !== null && "digest" in error) return null;
  // fetch() rejects with a TypeError, and only then: "Failed to fetch" (Chromium), "Load failed"
  // (Safari), "NetworkError when attempting to fetch resource." (Firefox).
  if (error instanceof TypeError) return UNREACHABLE_MESSAGE;
  if (error instanceof Error && error.message === NEXT_UNEXPECTED_RESPONSE) return UNEXPECTED_ANSWER_MESSAGE;
  return null;
}
