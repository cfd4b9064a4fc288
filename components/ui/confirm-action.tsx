"use client";

import { type ReactNode, useEffect, useLayoutEffect, useRef, useState } from "react";
import { type ActionResult, type ActionState, fieldError, formError } from "@/lib/web/action-result";
import { useFormAction } from "../hooks/use-form-action";
import { Button, type ButtonProps } from "./button";
import { ConfirmDialog } from "./confirm-dialog";

export type ConfirmableAction = (state: ActionState<null>, form: FormData) => Promise<ActionResult<null>>;

/**
 * A button that asks first, then submits a server action with the given hidden fields (and any the
 * dialog asks for, `children`). Errors (e.g. "stop the tunnel first") are shown in the dialog,
 * which stays open so the user sees them; an error about one of its fields, under that field.
 */
export function ConfirmAction({
  action,
  fields,
  triggerLabel,
  triggerAriaLabel,
  triggerVariant = "secondary",
  title,
  body,
  confirmLabel,
  blockedReason,
  onDone,
  children,
}: {
  action: ConfirmableAction;
  fields: Record<string, string>;
  triggerLabel: string;
  triggerAriaLabel?: string;
  triggerVariant?: ButtonProps["variant"];
  title: string;
  body?: ReactNode;
  confirmLabel: string;
  /** Why it cannot be done now (e.g. a connected name): the dialog says so and offers no confirm. */
  blockedReason?: string;
  /** Called once the action succeeded (the dialog has closed). */
  onDone?: () => void;
  /** Fields the dialog asks for, below its body, given the error (if any) of a field by name. */
  children?: (errorOf: (field: string) => string | undefined) => ReactNode;
}) {
  const [state, formAction, pending] = useFormAction(action);
  const [open, setOpen] = useState(false);
  // The last try's result in this opening of the dialog, not one from before it.
  const [failed, setFailed] = useState<ActionState<null>>(null);
  const form = useRef<HTMLFormElement>(null);
  // Read when the result arrives, not a reason to react again: callers pass a fresh closure.
  const done = useRef(onDone);
  useEffect(() => {
    done.current = onDone;
  }, [onDone]);

  // Its row may go while the focus is on its button or in its dialog: deleted or released by this
  // very action, or gone from live data (a tunnel that disconnected). The focus then falls to <body>
  // and a keyboard or screen-reader user is back at the top of the page; it goes to the list the row
  // was in instead (a table or list, named by its caption or label), unless something took it. When
  // the list went too (its last row: an empty state replaced it), to the section around it (a card),
  // which now holds that empty state. Not just any element still there: React reuses the list's
  // wrappers for what replaces it, so an ancestor may now be a part of the empty state.
  // Where it was is kept on focusin: once removed, the form no longer knows its list.
  const focusWithin = useRef<{ list: HTMLElement | null; around: HTMLElement[] } | null>(null);
  useLayoutEffect(() => {
    const element = form.current;
    if (!element) return;
    const onFocusIn = () => {
      const list = element.closest<HTMLElement>("table, ul, ol");
      const around: HTMLElement[] = [];
      for (let at = list?.parentElement; at && at !== document.body; at = at.parentElement) {
        if (at.matches("section, main")) around.push(at);
      }
      focusWithin.current = { list, around };
    };
    // To nowhere (relatedTarget null) may be the removal itself, where a browser says so.
    const onFocusOut = (event: FocusEvent) => {
      const to = event.relatedTarget;
      if (to instanceof Node && !element.contains(to)) focusWithin.current = null;
    };
    element.addEventListener("focusin", onFocusIn);
    element.addEventListener("focusout", onFocusOut);
    return () => {
      element.removeEventListener("focusin", onFocusIn);
      element.removeEventListener("focusout", onFocusOut);
      const within = focusWithin.current;
      if (!within?.list) return;
      const { list, around } = within;
      // After React has removed the row.
      queueMicrotask(() => {
        const active = document.activeElement;
        if (element.isConnected || (active !== null && active !== document.body)) return;
        const target = list.isConnected ? list : around.find((part) => part.isConnected);
        if (!target) return;
        if (!target.hasAttribute("tabindex")) target.tabIndex = -1;
        target.focus();
      });
    };
  }, []);

  useEffect(() => {
    if (!state) return;
    if (state.ok) {
      setOpen(false);
      done.current?.();
    } else setFailed(state);
  }, [state]);

  return (
    <form ref={form} action={formAction}>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} defaultValue={value} />
      ))}
      <Button
        variant={triggerVariant}
        size="sm"
        aria-label={triggerAriaLabel}
        onClick={() => {
          setFailed(null);
          setOpen(true);
        }}
      >
        {triggerLabel}
      </Button>
      <ConfirmDialog
        open={open}
        title={title}
        confirmLabel={confirmLabel}
        pending={pending}
        error={formError(failed)}
        blockedReason={blockedReason}
        onCancel={() => setOpen(false)}
        onConfirm={() => {
          setFailed(null);
          form.current?.requestSubmit();
        }}
      >
        {body}
        {children?.((field) => fieldError(failed, field))}
      </ConfirmDialog>
    </form>
  );
}
