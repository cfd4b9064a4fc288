"use client";

import { useEffect, useId, useState } from "react";
import { type BurrowPorts, burrowPortOn, parseLocalPort } from "@/lib/web/connect-command";

/** Why a port of Burrow itself is not the app's, when the relay runs on the user's computer. */
const BURROW_PORT_WARNING = {
  dashboard: "is Burrow's own dashboard on this computer: visitors would see it, not your app",
  tunnels: "is where Burrow serves tunnels on this computer: requests would come back to it",
  ssh: "is Burrow's SSH port on this computer, not a web app",
} as const;

/** The port typed last anywhere in this browser: a name without its own starts from it. */
const LAST_PORT_KEY = "burrow.localPort";

/** localStorage, which a browser may refuse (private mode, storage off): then nothing is kept. */
function readStorage(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Not kept; the field still works.
  }
}

export interface LocalPort {
  /** What is in the field, valid or not. */
  input: string;
  /** The field's port, or null while it is not one. */
  parsed: number | null;
  /** The port for the commands: the last valid one, so they stay whole while the user is mid-edit. */
  port: number;
  change: (value: string) => void;
}

/**
 * The local port for the connect commands, remembered in this browser: per name (null: Get started,
 * before there is one), falling back to the port typed last anywhere, then to `defaultPort`.
 */
export function useLocalPort(name: string | null, defaultPort: number): LocalPort {
  const [input, setInput] = useState(String(defaultPort));
  const parsed = parseLocalPort(input);
  const [port, setPort] = useState(defaultPort);
  if (parsed !== null && parsed !== port) setPort(parsed);

  // Read after the first render, which must match the server's.
  const nameKey = name === null ? null : `${LAST_PORT_KEY}.${name}`;
  useEffect(() => {
    const saved = [nameKey, LAST_PORT_KEY]
      .map((key) => (key === null ? null : parseLocalPort(readStorage(key) ?? "")))
      .find((p) => p !== null);
    if (saved != null) setInput(String(saved));
  }, [nameKey]);

  function change(value: string) {
    setInput(value);
    const valid = parseLocalPort(value);
    if (valid === null) return;
    if (nameKey !== null) writeStorage(nameKey, String(valid));
    writeStorage(LAST_PORT_KEY, String(valid));
  }
  return { input, parsed, port, change };
}

/** The Local port input, with what is wrong with it (not a port, or one of Burrow's own). */
export function LocalPortField({
  localPort,
  sshHost,
  burrowPorts,
}: {
  localPort: LocalPort;
  sshHost: string;
  burrowPorts: BurrowPorts;
}) {
  const id = useId();
  const { input, parsed, change } = localPort;
  const burrowPart = parsed === null ? null : burrowPortOn(sshHost, burrowPorts, parsed);
  return (
    <div className="flex flex-wrap items-end gap-3">
      <div>
        <label htmlFor={`${id}-port`} className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
          Local port
        </label>
        <input
          id={`${id}-port`}
          inputMode="numeric"
          value={input}
          onChange={(e) => change(e.target.value)}
          aria-invalid={parsed === null || undefined}
          aria-describedby={`${id}-port-help`}
          className="mt-1.5 block w-28 rounded-md border-0 px-3 py-2 text-sm shadow-xs ring-1 ring-zinc-300 dark:ring-zinc-700 ring-inset focus:ring-2 focus:ring-indigo-600 dark:focus:ring-indigo-500 focus:outline-none"
        />
      </div>
      <p id={`${id}-port-help`} className="min-h-5 pb-2 text-sm" aria-live="polite">
        {parsed === null ? (
          <span className="text-red-700 dark:text-red-300">Enter a port from 1 to 65535</span>
        ) : burrowPart !== null ? (
          <span className="text-amber-800 dark:text-amber-200">
            Port {parsed} {BURROW_PORT_WARNING[burrowPart]}. Enter the port your app listens on.
          </span>
        ) : (
          <span className="text-zinc-500 dark:text-zinc-400">Where your app listens on your computer</span>
        )}
      </p>
    </div>
  );
}
