"use client";

import {
  type BurrowPorts,
  defaultLocalPort,
  helperCommand,
  helperDownloadCommand,
  sshCommand,
} from "@/lib/web/connect-command";
import { CodeLine } from "../ui/code-line";
import { LocalPortField, useLocalPort } from "./local-port-field";

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
  // The port typed last time for this name (or any), in this browser: the commands are ready to copy.
  const localPort = useLocalPort(name, defaultLocalPort(burrowPorts));
  const { port } = localPort;

  return (
    <div className="space-y-4">
      <LocalPortField localPort={localPort} sshHost={sshHost} burrowPorts={burrowPorts} />

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
