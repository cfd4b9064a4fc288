"use client";

import { useEffect, useState } from "react";
import { maxUsesProblem, SHARE_LINK_MAX_USES } from "@/lib/sharing/max-uses";
import { type ActionResult, type ActionState, fieldError, formError } from "@/lib/web/action-result";
import { localToIso } from "@/lib/web/local-time";
import { qrCode } from "@/lib/web/qr-code";
import { useFormAction } from "../hooks/use-form-action";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { CodeLine } from "../ui/code-line";
import { TextField } from "../ui/field";
import { QrCodePopover } from "../ui/qr-code-popover";

const shareUrl = (baseUrl: string, token: string) => `${baseUrl}/?burrow_share=${token}`;

export interface CreatedShareLink {
  token: string;
  label: string;
}

export type CreateShareLinkAction = (
  state: ActionState<CreatedShareLink>,
  form: FormData,
) => Promise<ActionResult<CreatedShareLink>>;

const EXPIRY_OPTIONS = [
  { value: "1h", label: "In 1 hour" },
  { value: "1d", label: "In 1 day" },
  { value: "7d", label: "In 7 days" },
  { value: "date", label: "On a date…" },
  { value: "never", label: "Never" },
] as const;

/**
 * Creates a share link and shows it once, with a copy button: only its hash is stored, so this is
 * the one chance to copy it.
 */
export function CreateShareLinkForm({
  action,
  name,
  baseUrl,
}: {
  action: CreateShareLinkAction;
  name: string;
  /** The tunnel's URL, e.g. https://myapp.example.com */
  baseUrl: string;
}) {
  const [state, formAction, pending] = useFormAction(action);
  const [expiry, setExpiry] = useState<string>("1d");
  const [localDate, setLocalDate] = useState("");
  // Controlled, so a refused submit keeps what was typed (React resets uncontrolled fields).
  const [label, setLabel] = useState("");
  const [maxUses, setMaxUses] = useState("");
  const message = formError(state);

  useEffect(() => {
    if (!state?.ok) return;
    setLabel("");
    setMaxUses("");
  }, [state]);
  const expiryError = fieldError(state, "expiry");
  // Checked as typed, with the server's schema: the browser's own bubble for 0 or -5 vanished on its
  // own and left the form saying nothing about what it takes.
  const typedMaxUses = maxUsesProblem(maxUses);

  return (
    <div className="space-y-4">
      <div aria-live="polite">
        {state?.ok && (
          <div className="space-y-2 rounded-md bg-emerald-50 dark:bg-emerald-950/40 p-3 ring-1 ring-emerald-200 dark:ring-emerald-800">
            <p className="text-sm text-emerald-900 dark:text-emerald-100">
              <span className="font-medium">Link “{state.data.label}” created.</span> Copy it now: it is shown
              only this once.
            </p>
            <CodeLine text={shareUrl(baseUrl, state.data.token)} copyLabel="Copy share link" />
            {/* For a visitor at hand, whose phone reads it off this screen. */}
            <QrCodePopover
              url={shareUrl(baseUrl, state.data.token)}
              qr={qrCode(shareUrl(baseUrl, state.data.token))}
              caption="Opens this share link on a phone"
            />
          </div>
        )}
        {message && <Alert tone="error">{message}</Alert>}
      </div>
      <form action={formAction} className="space-y-1" aria-label="Create a share link">
        <input type="hidden" name="name" defaultValue={name} />
        <TextField
          id="share-label"
          name="label"
          label="Label"
          placeholder="Who it is for, e.g. Ana (design review)"
          required
          autoComplete="off"
          value={label}
          onChange={(e) => setLabel(e.target.value)}
          error={fieldError(state, "label")}
        />
        <div className="space-y-1.5">
          <label
            htmlFor="share-expiry"
            className="block text-sm font-medium text-zinc-800 dark:text-zinc-200"
          >
            Expires
          </label>
          <select
            id="share-expiry"
            name="expiry"
            value={expiry}
            onChange={(e) => setExpiry(e.target.value)}
            aria-invalid={expiryError ? true : undefined}
            aria-describedby={expiryError ? "share-expiry-error" : undefined}
            className={cn(
              "block w-full rounded-md border-0 bg-white dark:bg-zinc-900 px-3 py-2 text-sm text-zinc-900 dark:text-zinc-100 shadow-xs ring-1 ring-inset",
              "focus:ring-2 focus:ring-indigo-600 dark:focus:ring-indigo-500 focus:outline-none",
              expiryError ? "ring-red-400" : "ring-zinc-300 dark:ring-zinc-700",
            )}
          >
            {EXPIRY_OPTIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
          <p
            id="share-expiry-error"
            className="min-h-5 text-sm text-red-700 dark:text-red-300"
            aria-live="polite"
          >
            {expiryError}
          </p>
        </div>
        {expiry === "date" && (
          <>
            <TextField
              id="share-expires-at"
              type="datetime-local"
              label="Expiry date and time"
              required
              value={localDate}
              onChange={(e) => setLocalDate(e.target.value)}
              error={fieldError(state, "expiresAt")}
              hint="In your time zone."
            />
            {/* Sent as an instant, so the server does not guess the browser's time zone. */}
            <input type="hidden" name="expiresAt" value={localToIso(localDate)} />
          </>
        )}
        <TextField
          id="share-max-uses"
          name="maxUses"
          type="number"
          inputMode="numeric"
          min={1}
          max={SHARE_LINK_MAX_USES}
          step={1}
          value={maxUses}
          onChange={(e) => setMaxUses(e.target.value)}
          label="Maximum uses (optional)"
          hint="How many times the link can be opened. Leave empty for no limit."
          error={typedMaxUses ?? fieldError(state, "maxUses")}
        />
        <Button type="submit" pending={pending} disabled={typedMaxUses !== null}>
          Create link
        </Button>
      </form>
    </div>
  );
}
