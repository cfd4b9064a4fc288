"use client";

import { useEffect, useId, useState } from "react";
import {
  type BurrowPorts,
  burrowPortOn,
  defaultLocalPort,
  helperCommand,
  helperDownloadCommand,
  parseLocalPort,
  sshCommand,
} from "@/lib/web/connect-command";
import { CodeLine } from "../ui/code-line";

/** Why a port of Burrow itself is not the app's, when the relay runs on the user's computer. */
const BURROW_PORT_WARNING = {
  dashboard: "is Burrow's own dashboard on this computer: visitors would see it, not your app",
  tunnels: "is where Burrow serves tunnels on this computer: requests would come back to it",
  ssh: "is Burrow's SSH port on this computer, not a web app",
} as const;

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
    // Not kept; the panel still works.
  }
}

export function ConnectPanel({
  name,
  sshHost,
  sshPort,
  dashboardUrl,
  hostKeyFingerprint,
  burrowPorts,
}: {
  name: string;
  sshHost: string;
  sshPort: number;
  dashboardUrl: string;
  hostKeyFingerprint: string | null;
  burrowPorts: BurrowPorts;
}) {
  const id = useId();
  const defaultPort = defaultLocalPort(sshHost, burrowPorts);
  const [portInput, setPortInput] = useState(String(defaultPort));
  const parsed = parseLocalPort(portInput);
  // Keep showing the last valid command while the user is mid-edit.
  const [port, setPort] = useState(defaultPort);
  if (parsed !== null && parsed !== port) setPort(parsed);
  const burrowPart = parsed === null ? null : burrowPortOn(sshHost, burrowPorts, parsed);

  // The port typed last time for this name, in this browser: the commands are ready to copy again.
  // Read after the first render, which must match the server's.
  const storageKey = `burrow.localPort.${name}`;
  useEffect(() => {
    const saved = parseLocalPort(readStorage(storageKey) ?? "");
    if (saved !== null) setPortInput(String(saved));
  }, [storageKey]);
  function changePort(value: string) {
    setPortInput(value);
    const valid = parseLocalPort(value);
    if (valid !== null) writeStorage(storageKey, String(valid));
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-3">
        <div>
          <label
            htmlFor={`${id}-port`}
            className="block text-sm font-medium text-zinc-800 dark:text-zinc-200"
          >
            Local port
          </label>
          <input
            id={`${id}-port`}
            inputMode="numeric"
            value={portInput}
            onChange={(e) => changePort(e.target.value)}
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

      <div className="space-y-1.5">
        <h3 className="text-sm font-medium text-zinc-800 dark:text-zinc-200">With plain OpenSSH</h3>
        <CodeLine text={sshCommand({ name, sshHost, sshPort }, port)} copyLabel="Copy ssh command" />
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          On first connect ssh asks you to confirm the relay’s host key. It must be{" "}
          {hostKeyFingerprint ? (
            <code
              className="font-mono break-all text-zinc-800 dark:text-zinc-200"
              data-testid="host-key-fingerprint"
            >
              {hostKeyFingerprint}
            </code>
          ) : (
            <span>shown here once the relay is running</span>
          )}
          .
        </p>
      </div>

      <div className="space-y-1.5">
        <h3 className="text-sm font-medium text-zinc-800 dark:text-zinc-200">
          With the burrow-connect helper (reconnects by itself)
        </h3>
        <CodeLine text={helperCommand({ name, sshHost, sshPort }, port)} copyLabel="Copy helper command" />
        <p className="text-xs text-zinc-500 dark:text-zinc-400">Get the helper once:</p>
        <CodeLine text={helperDownloadCommand(dashboardUrl)} copyLabel="Copy download command" />
      </div>
    </div>
  );
}
