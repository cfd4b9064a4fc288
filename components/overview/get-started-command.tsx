"use client";

import {
  type BurrowPorts,
  type ConnectTarget,
  defaultLocalPort,
  sshCommand,
} from "@/lib/web/connect-command";
import { LocalPortField, useLocalPort } from "../tunnels/local-port-field";
import { CopyButton } from "../ui/copy-button";

/**
 * Get started's ssh command with the same Local port field as the tunnel page (remembered in this
 * browser). The command wraps instead of scrolling: a new user must see all of it, on a phone too.
 */
export function GetStartedCommand({
  target,
  burrowPorts,
}: {
  target: ConnectTarget;
  burrowPorts: BurrowPorts;
}) {
  const localPort = useLocalPort(target.name, defaultLocalPort(burrowPorts));
  const command = sshCommand(target, localPort.port);
  return (
    <div className="space-y-2">
      <LocalPortField localPort={localPort} sshHost={target.sshHost} burrowPorts={burrowPorts} />
      <div className="flex items-start gap-2 rounded-md bg-zinc-900 dark:bg-zinc-950 dark:ring-1 dark:ring-zinc-800 py-1.5 pr-1.5 pl-3">
        <code
          data-testid="get-started-command"
          className="min-w-0 flex-1 py-1 font-mono text-sm break-words text-zinc-100"
        >
          {command}
        </code>
        <CopyButton text={command} label="Copy ssh command" />
      </div>
    </div>
  );
}
