"use client";

import { useEffect, useState } from "react";
import { nameProblem } from "@/lib/names/rules";
import { type ActionResult, type ActionState, fieldError, formError } from "@/lib/web/action-result";
import { useFormAction } from "../hooks/use-form-action";
import { fetchSignedIn, SessionEndedError } from "../hooks/use-session-ended";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { Spinner } from "../ui/spinner";

export type ReserveNameAction = (
  state: ActionState<{ name: string }>,
  form: FormData,
) => Promise<ActionResult<{ name: string }>>;

type Check =
  | { state: "idle" }
  | { state: "checking" }
  | { state: "available" }
  | { state: "unavailable"; message: string }
  | { state: "error" }
  | { state: "ended" };

const DEBOUNCE_MS = 350;

export function ReserveNameForm({
  action,
  domainSuffix,
  atLimit,
}: {
  action: ReserveNameAction;
  /** ".example.com" or ".localhost:8080", shown after the input. */
  domainSuffix: string;
  atLimit: boolean;
}) {
  const [state, formAction, pending] = useFormAction(action);
  const [name, setName] = useState("");
  const [check, setCheck] = useState<Check>({ state: "idle" });
  // The result a new attempt has begun after: "Reserved x." is about the last name, not the one
  // being typed, and next to that one's error it read as if both were true.
  const [edited, setEdited] = useState<typeof state>(null);
  const normalised = name.trim().toLowerCase();
  // The same schema as the server, as the user types; the server has the last word.
  const problem = normalised ? nameProblem(normalised) : null;

  useEffect(() => {
    if (!normalised || problem) {
      setCheck({ state: "idle" });
      return;
    }
    setCheck({ state: "checking" });
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const response = await fetchSignedIn(
          `/api/names/availability?name=${encodeURIComponent(normalised)}`,
          {
            signal: controller.signal,
            cache: "no-store",
          },
        );
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const result = (await response.json()) as { available: boolean; message?: string };
        setCheck(
          result.available
            ? { state: "available" }
            : { state: "unavailable", message: result.message ?? "This name is not available" },
        );
      } catch (error) {
        if (controller.signal.aborted) return;
        setCheck({ state: error instanceof SessionEndedError ? "ended" : "error" });
      }
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [normalised, problem]);

  useEffect(() => {
    if (state?.ok) setName("");
  }, [state]);

  const serverError = fieldError(state, "name");
  // A fresh "available" answer supersedes an older "taken" from a submit.
  const error =
    problem ??
    (check.state === "unavailable" ? check.message : undefined) ??
    (check.state === "available" ? undefined : serverError);
  const message = formError(state);

  return (
    <form action={formAction} className="space-y-2" aria-label="Reserve a name">
      <div aria-live="polite">
        {state?.ok && state !== edited && <Alert tone="success">Reserved {state.data.name}.</Alert>}
        {message && <Alert tone="error">{message}</Alert>}
      </div>
      <label htmlFor="name" className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
        Name
      </label>
      <div className="flex flex-wrap items-start gap-2">
        <div
          className={cn(
            "flex min-w-0 flex-1 items-center rounded-md bg-white dark:bg-zinc-900 shadow-xs ring-1 ring-inset focus-within:ring-2",
            error
              ? "ring-red-400 focus-within:ring-red-600"
              : "ring-zinc-300 dark:ring-zinc-700 focus-within:ring-indigo-600",
          )}
        >
          <input
            id="name"
            name="name"
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setEdited(state);
            }}
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="none"
            placeholder="myapp"
            aria-invalid={error ? true : undefined}
            aria-describedby="name-status"
            className="min-w-0 flex-1 rounded-md border-0 bg-transparent px-3 py-2 text-sm focus:outline-none"
          />
          <span className="truncate pr-3 text-sm text-zinc-500 dark:text-zinc-400">{domainSuffix}</span>
        </div>
        <Button
          type="submit"
          pending={pending}
          disabled={atLimit || Boolean(problem) || check.state === "unavailable" || !normalised}
        >
          Reserve
        </Button>
      </div>
      <p
        id="name-status"
        aria-live="polite"
        className="flex min-h-5 items-center gap-1.5 text-sm wrap-anywhere"
      >
        {error ? (
          <span className="text-red-700 dark:text-red-300">{error}</span>
        ) : check.state === "checking" ? (
          <span className="flex items-center gap-1.5 text-zinc-500 dark:text-zinc-400">
            <Spinner className="size-3.5" /> Checking…
          </span>
        ) : check.state === "available" ? (
          <span className="text-emerald-700 dark:text-emerald-300">{normalised} is available</span>
        ) : check.state === "ended" ? (
          <span className="text-red-700 dark:text-red-300">
            Your session has ended: sign in again to check or reserve names.
          </span>
        ) : check.state === "error" ? (
          <span className="text-zinc-500 dark:text-zinc-400">
            Could not check right now; you can still try.
          </span>
        ) : (
          <span className="text-zinc-500 dark:text-zinc-400">
            Letters, digits and hyphens; 3 to 63 characters.
          </span>
        )}
      </p>
    </form>
  );
}
