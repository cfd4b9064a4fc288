// Pure: the tunnel page builds these on the client as the user edits the local port.

export interface ConnectTarget {
  /** A reserved name, or null for a random one (`-R 80:…`). */
  name: string | null;
  sshHost: string;
  sshPort: number;
}

/** A local port typed by the user, or null when it is not one. */
export function parseLocalPort(input: string): number | null {
  if (!/^\d{1,5}$/.test(input.trim())) return null;
  const port = Number(input);
  return port >= 1 && port <= 65535 ? port : null;
}

/**
 * The plain OpenSSH command for a reserved name, or for a random one. "-p" is left out on port 22;
 * 80 is the virtual port the relay expects for HTTP tunnels whatever port visitors use.
 */
export function sshCommand(target: ConnectTarget, localPort: number): string {
  const port = target.sshPort === 22 ? "" : ` -p ${target.sshPort}`;
  const forward = target.name === null ? "80" : `${target.name}:80`;
  return `ssh -R ${forward}:localhost:${localPort}${port} ${target.sshHost}`;
}

/**
 * The helper script's invocation (it reconnects and keeps the tunnel alive). The relay host and port
 * are passed unless they are the script's own defaults (localhost, 2222).
 */
export function helperCommand(target: ConnectTarget, localPort: number): string {
  const host = target.sshHost === "localhost" ? "" : ` -H ${target.sshHost}`;
  const port = target.sshPort === 2222 ? "" : ` -p ${target.sshPort}`;
  return `burrow-connect${host}${port} ${localPort}${target.name === null ? "" : ` ${target.name}`}`;
}

/** How to download the helper from this dashboard. */
export function helperDownloadCommand(dashboardUrl: string): string {
  const base = dashboardUrl.replace(/\/+$/, "");
  return `curl -fsSL ${base}/burrow-connect -o burrow-connect && chmod +x burrow-connect`;
}
