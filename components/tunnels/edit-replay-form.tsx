"use client";

import { useEffect, useId, useState } from "react";
import { type ActionResult, type ActionState, fieldError, formError } from "@/lib/web/action-result";
import { useFormAction } from "../hooks/use-form-action";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { TextAreaField, TextField } from "../ui/field";
import { ReplayOutcome, type ReplayWatch, type SentReplay } from "./replay-outcome";

export type EditedReplayAction = (state: ActionState<null>, form: FormData) => Promise<ActionResult<null>>;

/** What the form starts from: the logged request as the replay would send it. */
export interface ReplayDraft {
  method: string;
  path: string;
  /** One "Name: value" a line. */
  headers: string;
  body: string;
}

/**
 * "Edit and send": the logged request in a form (method, path, headers, body) to change and send to
 * the app, as often as wanted. Controlled fields, so what was typed stays after each send (React
 * resets uncontrolled ones when a form action completes).
 */
export function EditReplayForm({
  action,
  name,
  id,
  initial,
  bodyNote,
  pathNote,
  hidden,
  watch,
  onClose,
}: {
  action: EditedReplayAction;
  name: string;
  id: string;
  initial: ReplayDraft;
  /** Why the body field did not start with the logged body, if it did not. */
  bodyNote: string | null;
  /** Why the path field does not hold the whole logged path (the log cut it), if it does not. */
  pathNote: string | null;
  /** Headers the log hid, so not in the form. */
  hidden: string[];
  watch: ReplayWatch | undefined;
  onClose: () => void;
}) {
  const [state, formAction, pending] = useFormAction(action);
  const [sent, setSent] = useState<SentReplay | null>(null);
  const [draft, setDraft] = useState(initial);
  const field = useId();
  const set = (key: keyof ReplayDraft) => (event: { target: { value: string } }) =>
    setDraft((current) => ({ ...current, [key]: event.target.value }));
  const message = formError(state);
  // Opened from a button it replaces: the keyboard's focus starts in its first field, not on <body>.
  useEffect(() => {
    document.getElementById(`${field}-method`)?.focus();
  }, [field]);
  return (
    <form
      action={formAction}
      // As the server will read them (editedReplaySchema), to recognise the replay's row.
      onSubmit={() =>
        setSent({
          afterId: watch?.newestId() ?? "0",
          method: draft.method.trim().toUpperCase(),
          path: draft.path.trim(),
        })
      }
      className="mt-3 space-y-1 rounded-md bg-white dark:bg-zinc-900 p-3 ring-1 ring-zinc-200 dark:ring-zinc-800"
      aria-label="Edit and send this request"
    >
      <input type="hidden" name="name" defaultValue={name} />
      <input type="hidden" name="id" defaultValue={id} />
      <div className="grid gap-3 sm:grid-cols-[8rem_1fr]">
        <TextField
          id={`${field}-method`}
          name="method"
          label="Method"
          value={draft.method}
          onChange={set("method")}
          error={fieldError(state, "method")}
          autoComplete="off"
          spellCheck={false}
        />
        <TextField
          id={`${field}-path`}
          name="path"
          label="Path"
          value={draft.path}
          onChange={set("path")}
          error={fieldError(state, "path")}
          hint={pathNote}
          className="font-mono"
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      <TextAreaField
        id={`${field}-headers`}
        name="headers"
        label="Headers"
        rows={Math.min(12, Math.max(3, draft.headers.split("\n").length + 1))}
        value={draft.headers}
        onChange={set("headers")}
        error={fieldError(state, "headers")}
        hint={`One Name: value a line, sent in UTF-8 (a line left as it is goes as it was logged, byte for byte). Content-Length is written from the body.${
          hidden.length > 0
            ? ` Hidden in the log, so not here: ${hidden.join(", ")} (add a line to send one).`
            : ""
        }`}
        spellCheck={false}
      />
      <TextAreaField
        id={`${field}-body`}
        name="body"
        label="Body"
        rows={6}
        value={draft.body}
        onChange={set("body")}
        error={fieldError(state, "body")}
        hint={bodyNote ?? "Sent as typed (UTF-8)."}
        spellCheck={false}
      />
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" size="sm" pending={pending}>
          Send edited request
        </Button>
        <Button variant="ghost" size="sm" onClick={onClose} disabled={pending}>
          Close
        </Button>
        <Button variant="ghost" size="sm" onClick={() => setDraft(initial)} disabled={pending}>
          Start over
        </Button>
      </div>
      <div aria-live="polite" className="pt-2">
        {state?.ok && sent && <ReplayOutcome watch={watch} sent={sent} />}
        {message && <Alert tone="error">{message}</Alert>}
      </div>
    </form>
  );
}
