"use client";

import type { ComponentProps } from "react";
import { anyTunnelSeen } from "@/lib/web/names-dto";
import { GettingStarted } from "./getting-started";
import { useLiveNames } from "./live-names";

/**
 * Get started as the overview's poll sees the user now (see LiveNamesProvider): a key added or a
 * name reserved in another tab shows at once, and the card goes when the first tunnel connects,
 * where it used to wait for a reload. `connectedBefore` is the server's answer at load time, which
 * also knows tunnels of names since released.
 */
export function LiveGettingStarted({
  connectedBefore,
  ...props
}: { connectedBefore: boolean } & Omit<ComponentProps<typeof GettingStarted>, "keys" | "firstName">) {
  const snapshot = useLiveNames();
  if (connectedBefore || anyTunnelSeen(snapshot)) return null;
  return (
    <div className="mb-6">
      <GettingStarted {...props} keys={snapshot.sshKeys} firstName={snapshot.names[0]?.name ?? null} />
    </div>
  );
}
