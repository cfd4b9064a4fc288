"use client";

import { useEffect, useRef, useState } from "react";
import {
  labelForKeyFile,
  looksLikePrivateKey,
  PRIVATE_KEY_MESSAGE,
  privateKeyFileMessage,
} from "@/lib/ssh-keys/key-file";
import { keyLabelProblem, PUBLIC_KEY_MAX_LENGTH } from "@/lib/ssh-keys/schemas";
import { type ActionResult, type ActionState, fieldError, formError } from "@/lib/web/action-result";
import { useFormAction } from "../hooks/use-form-action";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { TextAreaField, TextField } from "../ui/field";

export type AddKeyAction = (
  state: ActionState<{ label: string; fingerprint: string }>,
  form: FormData,
) => Promise<ActionResult<{ label: string; fingerprint: string }>>;

export function AddKeyForm({ action }: { action: AddKeyAction }) {
  const [state, formAction, pending] = useFormAction(action);
  const [publicKey, setPublicKey] = useState("");
  const [label, setLabel] = useState("");
  // A private key picked or pasted: said at once, and the text dropped from the form.
  const [keyProblem, setKeyProblem] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  // Clear the form after a key was added; keep it as typed after an error so it can be fixed.
  useEffect(() => {
    if (state?.ok) {
      setPublicKey("");
      setLabel("");
      if (fileInput.current) fileInput.current.value = "";
    }
  }, [state]);

  async function readFile(file: File | undefined) {
    setKeyProblem(null);
    if (!file) return;
    if (file.size > PUBLIC_KEY_MAX_LENGTH) {
      setKeyProblem("That file is too large to be a public key: pick the .pub file");
      return;
    }
    // Read in the browser: the file never leaves the machine unless the user submits it, and the
    // server checks the text the same way as a paste.
    const text = (await file.text()).trim();
    if (looksLikePrivateKey(text)) {
      // Said at once, and its contents kept out of the form so a click on Add key cannot send them.
      if (fileInput.current) fileInput.current.value = "";
      setKeyProblem(privateKeyFileMessage(file.name));
      return;
    }
    setPublicKey(text);
    if (!label) setLabel(labelForKeyFile(text, file.name));
  }

  // A file picked before the page's script took over (a slow connection) fired a change event
  // nobody heard: fire it again once the form is live, so onChange reads the file.
  useEffect(() => {
    const input = fileInput.current;
    if (input?.files?.length) input.dispatchEvent(new Event("change", { bubbles: true }));
  }, []);

  const keyError = keyProblem ?? fieldError(state, "publicKey");
  // Said as it is typed or pasted (the server's check is the same schema): the field takes more
  // than the limit, so nothing is cut unseen.
  const labelError = keyLabelProblem(label) ?? undefined;
  const message = formError(state);
  return (
    <form action={formAction} className="space-y-2" aria-label="Add an SSH key">
      <div aria-live="polite">
        {state?.ok && (
          <Alert tone="success">
            Added “{state.data.label}” ({state.data.fingerprint}).
          </Alert>
        )}
        {message && !keyError && <Alert tone="error">{message}</Alert>}
      </div>
      <TextAreaField
        id="publicKey"
        name="publicKey"
        label="Public key"
        rows={4}
        spellCheck={false}
        autoComplete="off"
        placeholder="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA… you@laptop"
        value={publicKey}
        onChange={(e) => {
          const text = e.target.value;
          if (looksLikePrivateKey(text)) {
            // As for a picked file: a private key left in the field would go to the server with a
            // click on Add key (which refuses it too, but it should never have left the computer).
            setPublicKey("");
            setKeyProblem(PRIVATE_KEY_MESSAGE);
            return;
          }
          setKeyProblem(null);
          setPublicKey(text);
        }}
        error={keyError}
        hint={
          <>
            The contents of <code>~/.ssh/id_ed25519.pub</code> (ed25519, ecdsa, or rsa with at least 2048
            bits). Never paste a private key.
          </>
        }
      />
      <div className="space-y-1.5">
        <label htmlFor="keyFile" className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
          …or pick a .pub file
        </label>
        <input
          ref={fileInput}
          id="keyFile"
          type="file"
          accept=".pub,text/plain"
          onChange={(e) => void readFile(e.target.files?.[0])}
          className="block w-full text-sm text-zinc-600 dark:text-zinc-400 file:mr-3 file:rounded-md file:border-0 file:bg-zinc-100 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-zinc-800 hover:file:bg-zinc-200 dark:file:bg-zinc-800 dark:file:text-zinc-200 dark:hover:file:bg-zinc-700"
        />
      </div>
      <TextField
        id="label"
        name="label"
        label="Label"
        placeholder="Work laptop"
        value={label}
        onChange={(e) => setLabel(e.target.value)}
        error={labelError}
        hint="Optional. Defaults to the key's comment."
      />
      <Button type="submit" pending={pending}>
        Add key
      </Button>
    </form>
  );
}
