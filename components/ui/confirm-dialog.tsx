"use client";

import { type ReactNode, useEffect, useId, useRef } from "react";
import { Button } from "./button";

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  pending?: boolean;
  /** Error from the action, shown inside the dialog so it is read where the user is looking. */
  error?: string;
  /** Why it cannot be done now: said in place of the confirm button, which is left out. */
  blockedReason?: string;
  onConfirm: () => void;
  onCancel: () => void;
}

/**
 * A modal confirmation on the native <dialog>: it traps focus, closes on Escape and returns focus to
 * the opener by itself, which is hard to get right by hand.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  pending,
  error,
  blockedReason,
  onConfirm,
  onCancel,
}: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  // One dialog per row of a list is rendered (closed) at once: each needs its own title id.
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        if (!pending) onCancel();
      }}
      // text-left: the dialog sits in the DOM where its trigger is, often a right-aligned table cell.
      // A margin on a phone, which w-full alone left without (max-w-md replaces the browser's cap).
      className="m-auto w-[calc(100%-2rem)] max-w-md rounded-lg p-0 text-left shadow-xl backdrop:bg-zinc-900/40"
    >
      <div className="space-y-3 p-5">
        {/* Titles and bodies quote names and labels with no space to break at. */}
        <h2 id={titleId} className="text-base font-semibold wrap-anywhere text-zinc-900 dark:text-zinc-100">
          {title}
        </h2>
        {children && <div className="text-sm wrap-anywhere text-zinc-600 dark:text-zinc-400">{children}</div>}
        {blockedReason && (
          <p className="rounded-md bg-amber-50 dark:bg-amber-950/40 px-3 py-2 text-sm wrap-anywhere text-amber-900 dark:text-amber-100">
            {blockedReason}
          </p>
        )}
        {error && (
          <p
            role="alert"
            className="rounded-md bg-red-50 dark:bg-red-950/40 px-3 py-2 text-sm wrap-anywhere text-red-800 dark:text-red-200"
          >
            {error}
          </p>
        )}
      </div>
      {/* Wrapped: with larger text on a phone the two buttons do not fit side by side, and the
          first (Cancel) was pushed off the dialog's left edge, out of reach. */}
      <div className="flex flex-wrap justify-end gap-2 rounded-b-lg bg-zinc-50 dark:bg-zinc-800/50 px-5 py-3">
        <Button variant="secondary" onClick={onCancel} disabled={pending}>
          {blockedReason ? "Close" : "Cancel"}
        </Button>
        {!blockedReason && (
          <Button variant="danger" onClick={onConfirm} pending={pending}>
            {confirmLabel}
          </Button>
        )}
      </div>
    </dialog>
  );
}
