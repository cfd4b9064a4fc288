// Pure: the tunnel page builds these on the client as the user edits the local port.
import type { Env } from "../env.ts";
import { isLoopbackHost } from "../forwarding/ip-address.ts";

export interface ConnectTarget {
  /** A reserved name, or null for a random one (`-R 80:…`). */
  name: string | null;
  sshHost: string;
  sshPort: number;
}

/** Where users' ssh reaches the relay, from its settings. */
export function relayAddress(
  config: Pick<Env, "BURROW_SSH_HOST" | "BURROW_SSH_PORT">,
): Omit<ConnectTarget, "name"> {
  return { sshHost: config.BURROW_SSH_HOST, sshPort: config.BURROW_SSH_PORT };
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

/** One of the relay's own commands over ssh (`ssh -p 2222 relay.example.com reserve myapp`). */
export function sshRelayCommand(target: Omit<ConnectTarget, "name">, command: string): string {
  const port = target.sshPort === 22 ? "" : ` -p ${target.sshPort}`;
  return `ssh${port} ${target.sshHost} ${command}`;
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

/** Where Burrow itself listens on the relay's machine (the dashboard's PORT and the relay's ports). */
export interface BurrowPorts {
  dashboard: number;
  http: number;
  https?: number;
  ssh: number;
}

/** Burrow's ports from its settings. */
export function burrowPorts(
  env: Pick<Env, "PORT" | "BURROW_HTTP_PORT" | "BURROW_HTTPS_PORT" | "BURROW_SSH_PORT">,
): BurrowPorts {
  return {
    dashboard: env.PORT,
    http: env.BURROW_HTTP_PORT,
    ...(env.BURROW_HTTPS_PORT !== undefined && { https: env.BURROW_HTTPS_PORT }),
    ssh: env.BURROW_SSH_PORT,
  };
}

/**
 * The port the README and `npm start` suggest for the app: not 3000, which is the dashboard's own
 * port on a default install (`PORT`), and on a trial the relay runs on the same computer as the app.
 */
const SUGGESTED_APP_PORT = 8000;
/**
 * Which of Burrow's own parts `port` is on this computer, when the relay runs here: a tunnel to it
 * would show Burrow's dashboard to visitors, or send every request back to the relay.
 */
export function burrowPortOn(
  sshHost: string,
  ports: BurrowPorts,
  port: number,
): "dashboard" | "tunnels" | "ssh" | null {
  // The relay runs on the computer the command is typed on (a trial with `npm start`): its SSH host
  // is a loopback name, so `localhost:<port>` in the command names Burrow's own ports too.
  if (!isLoopbackHost(sshHost)) return null;
  if (port === ports.dashboard) return "dashboard";
  if (port === ports.http || port === ports.https) return "tunnels";
  if (port === ports.ssh) return "ssh";
  return null;
}

/**
 * The local port a command shows until the user types theirs: 8000, or the next port up when Burrow
 * itself listens there. Burrow's ports are avoided whatever the SSH host: a relay reached by a DNS
 * name (burrow.test, a LAN name) may still be the computer the app runs on.
 */
export function defaultLocalPort(ports: BurrowPorts): number {
  const own = new Set([ports.dashboard, ports.http, ports.https, ports.ssh]);
  let port = SUGGESTED_APP_PORT;
  while (own.has(port)) port += 1;
  return port;
}
