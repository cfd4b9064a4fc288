"use client";

import { useEffect, useRef, useState } from "react";
import type { KeyRow } from "@/lib/web/key-rows";
import { Alert } from "../ui/alert";
import { ConfirmAction, type ConfirmableAction } from "../ui/confirm-action";
import { EmptyState } from "../ui/empty-state";
import { TextLink } from "../ui/text-link";
import { TimeAgo } from "../ui/time-ago";

const TYPE_NAMES: Record<string, string> = {
  "ssh-ed25519": "ED25519",
  "ssh-rsa": "RSA",
  "ecdsa-sha2-nistp256": "ECDSA",
  "ecdsa-sha2-nistp384": "ECDSA",
  "ecdsa-sha2-nistp521": "ECDSA",
};

export function KeyList({ keys, deleteAction }: { keys: KeyRow[]; deleteAction: ConfirmableAction }) {
  const [deleted, setDeleted] = useState<string | null>(null);
  // Said by the list, not the row's dialog: the row is gone once the page shows the deletion.
  const deleteWithNotice = (label: string): ConfirmableAction => {
    return async (previous, form) => {
      const result = await deleteAction(previous, form);
      if (result.ok) {
        focusNoticeOnceGone.current = String(form.get("keyId"));
        setDeleted(label);
      }
      return result;
    };
  };
  // The key's row goes with its Delete button, the dialog's opener, which had the keyboard's focus:
  // it moves to the notice instead of to <body> (the top of the page for a keyboard or screen reader).
  const notice = useRef<HTMLDivElement>(null);
  const focusNoticeOnceGone = useRef<string | null>(null);
  useEffect(() => {
    const id = focusNoticeOnceGone.current;
    if (id === null || keys.some((key) => key.id === id)) return;
    focusNoticeOnceGone.current = null;
    notice.current?.focus();
  }, [keys]);
  return (
    <>
      <div ref={notice} tabIndex={-1} aria-live="polite">
        {deleted !== null && (
          <Alert tone="success" className="mb-3">
            Deleted “{deleted}”.
          </Alert>
        )}
      </div>
      {keys.length === 0 ? (
        <EmptyState title="No keys yet">
          Add the public key of each computer you connect from. No key? Run{" "}
          <code className="rounded bg-zinc-100 dark:bg-zinc-800 px-1">ssh-keygen -t ed25519</code> first.
        </EmptyState>
      ) : (
        <KeyItems keys={keys} deleteActionFor={deleteWithNotice} />
      )}
    </>
  );
}

function KeyItems({
  keys,
  deleteActionFor,
}: {
  keys: KeyRow[];
  deleteActionFor: (label: string) => ConfirmableAction;
}) {
  return (
    <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" aria-label="Your SSH keys">
      {keys.map((key) => (
        <li key={key.id} className="flex flex-wrap items-center justify-between gap-3 py-3">
          <div className="min-w-0 space-y-1">
            <p className="flex flex-wrap items-center gap-2">
              {/* A label may be one long word: it wraps rather than widen the card and the page. */}
              <span className="min-w-0 font-medium wrap-anywhere text-zinc-900 dark:text-zinc-100">
                {key.label}
              </span>
              <span className="rounded bg-zinc-100 dark:bg-zinc-800 px-1.5 py-0.5 text-xs font-medium text-zinc-700 dark:text-zinc-300">
                {TYPE_NAMES[key.algorithm] ?? key.algorithm} {key.bits}
              </span>
            </p>
            <p className="font-mono text-xs break-all text-zinc-600 dark:text-zinc-400">{key.fingerprint}</p>
            <p className="text-xs text-zinc-500 dark:text-zinc-400">
              Added <TimeAgo date={key.createdAt} /> · Last used <TimeAgo date={key.lastUsedAt} />
            </p>
            {key.connectedNames.length > 0 && (
              <p className="text-xs text-emerald-700 dark:text-emerald-300">
                Connected now:{" "}
                {key.connectedNames.map((name, i) => (
                  <span key={name}>
                    {i > 0 && ", "}
                    <TextLink href={`/tunnels/${encodeURIComponent(name)}`}>{name}</TextLink>
                  </span>
                ))}
              </p>
            )}
          </div>
          <ConfirmAction
            action={deleteActionFor(key.label)}
            fields={{ keyId: key.id }}
            triggerLabel="Delete"
            triggerAriaLabel={`Delete key ${key.label}`}
            title={`Delete the key “${key.label}”?`}
            body={deleteBody(key.connectedNames)}
            confirmLabel="Delete key"
          />
        </li>
      ))}
    </ul>
  );
}

/** What deleting a key does, naming the tunnels it closes when it has any open. */
function deleteBody(connected: string[]): string {
  const after = "and the key can no longer connect. You can add it again later.";
  if (connected.length === 0) return `Tunnels opened with this key are closed now, ${after}`;
  const names = new Intl.ListFormat("en", { type: "conjunction" }).format(connected);
  const which =
    connected.length === 1
      ? `The tunnel ${names}, connected with this key, closes`
      : `The tunnels ${names}, connected with this key, close`;
  return `${which} at once (visitors get the offline page), ${after}`;
}
