import type { Duplex } from "node:stream";
import ssh2 from "ssh2";

const HEADER_END = "\r\n\r\n";

export interface LoadTunnelOptions {
  sshPort: number;
  /** OpenSSH-format private key. */
  privateKey: string;
  /** The reserved name to forward, as in `ssh -R <name>:80:...`. */
  name: string;
  /** Connect + forward must finish within this time. */
  timeoutMs: number;
}

export interface LoadTunnel {
  readonly name: string;
  /** Requests this tunnel's forwarded channels have answered. */
  readonly answered: number;
  close(): void;
}

/**
 * One SSH connection with one `tcpip-forward` of `<name>:80`, like `ssh -N -R name:80:...`, made with
 * ssh2's client so a thousand of them fit in one process. Forwarded channels are answered here:
 * every GET gets a 200 whose body is the tunnel's name, so the caller can check the routing too.
 */
export function openLoadTunnel(options: LoadTunnelOptions): Promise<LoadTunnel> {
  const client = new ssh2.Client();
  let answered = 0;
  const tunnel: LoadTunnel = {
    name: options.name,
    get answered() {
      return answered;
    },
    close: () => client.end(),
  };
  client.on("tcp connection", (_info, accept) => {
    serveHttp(accept(), options.name, () => answered++);
  });
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(timer);
      client.end();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`${options.name}: no forward in time`)), options.timeoutMs);
    client.once("error", fail);
    client.once("ready", () => {
      client.forwardIn(options.name, 80, (error) => {
        if (error) return fail(new Error(`${options.name}: forward refused: ${error.message}`));
        clearTimeout(timer);
        client.off("error", fail);
        // Later errors (the relay closing at teardown) are expected; don't crash the load script.
        client.on("error", () => {});
        resolve(tunnel);
      });
    });
    client.connect({
      host: "127.0.0.1",
      port: options.sshPort,
      username: "bench",
      privateKey: options.privateKey,
      readyTimeout: options.timeoutMs,
      keepaliveInterval: 0,
    });
  });
}

/** Answers keep-alive GETs (no bodies) on one channel with a tiny 200. */
function serveHttp(channel: Duplex, body: string, onAnswer: () => void): void {
  const response = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  let pending = "";
  channel.on("data", (chunk: Buffer) => {
    pending += chunk.toString("latin1");
    let end = pending.indexOf(HEADER_END);
    while (end !== -1) {
      pending = pending.slice(end + HEADER_END.length);
      channel.write(response);
      onAnswer();
      end = pending.indexOf(HEADER_END);
    }
  });
  channel.on("error", () => channel.destroy());
}
