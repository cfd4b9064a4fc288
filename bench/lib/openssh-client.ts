import { spawn } from "node:child_process";

export interface OpenSshForward {
  readonly pid: number;
  stop(): Promise<void>;
}

/** `ssh -N -R <name>:80:<target>` with plain OpenSSH, as a user would run it. */
export function startOpenSshForward(options: {
  keyFile: string;
  sshPort: number;
  name: string;
  /** Loopback ip:port of the local app. */
  target: string;
}): OpenSshForward {
  const child = spawn(
    "ssh",
    [
      "-F",
      "/dev/null",
      "-N",
      "-i",
      options.keyFile,
      ...["-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no"],
      ...["-o", "UserKnownHostsFile=/dev/null", "-o", "ExitOnForwardFailure=yes", "-o", "LogLevel=ERROR"],
      ...["-p", String(options.sshPort), "-R", `${options.name}:80:${options.target}`, "bench@127.0.0.1"],
    ],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
