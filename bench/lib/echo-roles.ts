/**
 * The processes of bench/echo-floor.ts, each on its own, as the harness runs its origin: a
 * WebSocket echo app (`origin`, the harness's /ws: npm `ws`, no compression) and a forwarder
 * (`forward <port>`) that only copies bytes both ways to 127.0.0.1:<port> (net sockets piped,
 * TCP_NODELAY, no parsing): the least any process in the path can do. Each listens on an ephemeral
 * loopback port and prints it as "listening <port>".
 * Run as a script: node --import tsx bench/lib/echo-roles.ts origin | forward <port>
 */
import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { WebSocketServer } from "ws";

export interface EchoRole {
  readonly port: number;
  stop(): void;
}

/** Starts one role in a child process and waits for its port. */
export function startEchoRole(args: readonly string[]): Promise<EchoRole> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", import.meta.filename, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`bench echo role ${args.join(" ")} did not start in 20 s`));
    }, 20_000);
    child.once("exit", (code) => reject(new Error(`bench echo role ${args.join(" ")} exited (${code})`)));
    child.stdout?.once("data", (chunk: Buffer) => {
      clearTimeout(timer);
      const port = Number(/listening (\d+)/.exec(chunk.toString())?.[1]);
      if (!port) reject(new Error(`bench echo role ${args.join(" ")} said: ${chunk.toString().trim()}`));
      resolve({ port, stop: () => child.kill("SIGKILL") });
    });
  });
}

function listening(server: net.Server): void {
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
  });
}

function serveEcho(): void {
  const server = http.createServer((_req, res) => {
    res.writeHead(426).end();
  });
  const wss = new WebSocketServer({ server, path: "/ws", perMessageDeflate: false });
  wss.on("connection", (ws) => {
    ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on("error", () => {});
  });
  server.on("connection", (socket: net.Socket) => socket.setNoDelay(true));
  listening(server);
}

function serveForward(target: number): void {
  const server = net.createServer((visitor) => {
    visitor.setNoDelay(true);
    const upstream = net.connect(target, "127.0.0.1");
    upstream.setNoDelay(true);
    visitor.pipe(upstream).pipe(visitor);
    // Either side going away ends both; errors are expected when the bench closes its clients.
    const end = () => {
      visitor.destroy();
      upstream.destroy();
    };
    visitor.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  listening(server);
}

if (process.argv[1] === import.meta.filename) {
  const [role, port] = process.argv.slice(2);
  if (role === "origin") serveEcho();
  else if (role === "forward" && Number(port) > 0) serveForward(Number(port));
  else {
    process.stderr.write("usage: echo-roles.ts origin | forward <port>\n");
    process.exit(2);
  }
}
