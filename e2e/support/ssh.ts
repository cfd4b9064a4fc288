import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface KeyPair {
  privatePath: string;
  publicKey: string;
  privateKey: string;
  /** As `ssh-keygen -lf` prints it, "SHA256:…". */
  fingerprint: string;
}

/** A fresh key pair made by the real ssh-keygen. */
export async function generateKey(
  dir: string,
  type: "ed25519" | "rsa" = "ed25519",
  bits?: number,
): Promise<KeyPair> {
  const keyDir = await mkdtemp(join(dir, "key-"));
  const privatePath = join(keyDir, "id");
  const size = bits ? ["-b", String(bits)] : [];
  await run("ssh-keygen", ["-q", "-t", type, ...size, "-N", "", "-C", "e2e@test", "-f", privatePath]);
  const { stdout } = await run("ssh-keygen", ["-lf", `${privatePath}.pub`]);
  return {
    privatePath,
    publicKey: (await readFile(`${privatePath}.pub`, "utf8")).trim(),
    privateKey: await readFile(privatePath, "utf8"),
    fingerprint: stdout.split(" ")[1] ?? "",
  };
}

/** A tiny local app that answers every request with a recognisable page. */
export async function startLocalApp(body: string): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><title>local app</title><h1>${body}</h1>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface Tunnel {
  process: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
  stop(): Promise<void>;
}

/** Runs the plain OpenSSH client exactly as the docs tell users to, with a throwaway known_hosts. */
export function startTunnel(options: {
  key: KeyPair;
  /** null: no name, the relay picks a random one (-R 80:…). */
  name: string | null;
  sshPort: number;
  localPort: number;
}): Tunnel {
  const child = spawn(
    "ssh",
    [
      "-F",
      "/dev/null",
      "-N",
      "-i",
      options.key.privatePath,
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "ExitOnForwardFailure=yes",
      "-o",
      "LogLevel=ERROR",
      "-p",
      String(options.sshPort),
      "-R",
      `${options.name === null ? "" : `${options.name}:`}80:127.0.0.1:${options.localPort}`,
      "x@127.0.0.1",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let text = "";
  child.stdout?.on("data", (c: Buffer) => (text += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (text += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return {
    process: child,
    exited,
    output: () => text,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
