import { invalidNameMessage } from "../../lib/names/rules.ts";

/**
 * What an SSH client asked to forward, decoded from a `tcpip-forward` or
 * `streamlocal-forward@openssh.com` global request. Pure: no I/O, so every spelling users type is
 * unit-tested in forward-request.test.ts.
 */
export type ForwardRequest =
  /** A named HTTP tunnel, e.g. `-R myapp:80:localhost:3000` or `-R /tmp/myapp.sock:…`. */
  | { kind: "named"; name: string; bind: ForwardBind }
  /** `-R 80:localhost:3000`: the relay picks an unguessable name. */
  | { kind: "random"; bind: ForwardBind }
  /** Something Burrow will not serve; `message` is shown to the user as is. */
  | { kind: "refused"; message: string };

/**
 * The client's own description of the forward. It must be echoed back verbatim when the relay opens
 * a channel for a visitor: OpenSSH looks the forward up by exactly these values and refuses a
 * channel whose address or port it does not recognise.
 */
export type ForwardBind =
  | { type: "tcpip"; bindAddr: string; bindPort: number }
  | { type: "streamlocal"; socketPath: string };

/** Ports that mean "an HTTP tunnel": 80 and 443 as users naturally type them, 0 for "any". */
const HTTP_PORTS: ReadonlySet<number> = new Set([0, 80, 443]);

/** Bind addresses that name no tunnel, only "listen everywhere". */
const WILDCARD_ADDRESSES: ReadonlySet<string> = new Set(["", "localhost", "0.0.0.0", "*", "::", "[::]"]);

export const TCP_NOT_SUPPORTED =
  "TCP tunnels are not supported yet: Burrow serves HTTP. Use -R <name>:80:localhost:<port>";

/** Decodes `tcpip-forward` ({ bindAddr, bindPort }) for a relay serving `*.domain`. */
export function parseTcpipForward(bindAddr: string, bindPort: number, domain: string): ForwardRequest {
  if (!HTTP_PORTS.has(bindPort)) return { kind: "refused", message: TCP_NOT_SUPPORTED };
  const bind: ForwardBind = { type: "tcpip", bindAddr, bindPort };
  const address = bindAddr.trim().toLowerCase();
  if (WILDCARD_ADDRESSES.has(address)) return { kind: "random", bind };
  return nameFrom(stripDomain(address, domain), bindAddr, bind);
}

/**
 * Decodes `streamlocal-forward@openssh.com` ({ socketPath }). The socket path only carries the name:
 * `/tmp/myapp.example.com.socket`, `/myapp.sock` and `myapp.socket` all mean `myapp`, so setups
 * written for an nginx + sshd relay keep working unchanged.
 */
export function parseStreamLocalForward(socketPath: string, domain: string): ForwardRequest {
  const bind: ForwardBind = { type: "streamlocal", socketPath };
  const file = socketPath.slice(socketPath.lastIndexOf("/") + 1).toLowerCase();
  const base = file.replace(/\.(socket|sock)$/, "");
  if (!base) {
    return {
      kind: "refused",
      message: `Cannot read a tunnel name from the socket path ${JSON.stringify(socketPath)}: use e.g. /tmp/myapp.sock`,
    };
  }
  return nameFrom(stripDomain(base, domain), socketPath, bind);
}

function stripDomain(host: string, domain: string): string {
  const suffix = `.${domain.toLowerCase()}`;
  return host.endsWith(suffix) ? host.slice(0, -suffix.length) : host;
}

function nameFrom(name: string, asTyped: string, bind: ForwardBind): ForwardRequest {
  if (name.includes(".")) {
    return {
      kind: "refused",
      message: `${JSON.stringify(asTyped)} is not a tunnel name on this relay: use just the name, e.g. -R myapp:80:localhost:<port>`,
    };
  }
  const invalid = invalidNameMessage(name);
  if (invalid) return { kind: "refused", message: invalid };
  return { kind: "named", name, bind };
}

/**
 * The forward the way the user typed it, for messages ("-R <this>:…"): `80` for `-R 80:…` (OpenSSH
 * sends "localhost" as its address), `myapp:80` or `bad_name:80` when an address was given.
 */
export function typedTcpipForward(bindAddr: string, bindPort: number): string {
  return WILDCARD_ADDRESSES.has(bindAddr.trim().toLowerCase()) ? String(bindPort) : `${bindAddr}:${bindPort}`;
}

/** Human description of the forward as the client requested it, e.g. "port 80" or "/tmp/app.sock". */
export function describeBind(bind: ForwardBind): string {
  return bind.type === "tcpip" ? `port ${bind.bindPort}` : bind.socketPath;
}

/** True when a cancel request refers to this forward. */
export function sameBind(a: ForwardBind, b: ForwardBind): boolean {
  if (a.type === "tcpip" && b.type === "tcpip") return a.bindAddr === b.bindAddr && a.bindPort === b.bindPort;
  if (a.type === "streamlocal" && b.type === "streamlocal") return a.socketPath === b.socketPath;
  return false;
}
