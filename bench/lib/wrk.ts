import { execFile } from "node:child_process";
import { splitLoopback } from "./relay-process.ts";

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Non-2xx responses plus socket errors. */
  errors: number;
}

export interface WrkOptions {
  /** Loopback ip:port. */
  addr: string;
  host: string;
  path?: string;
  connections: number;
  durationSeconds: number;
  /** Extra request headers ("Name: value"), besides Host. */
  headers?: readonly string[];
}

/** Runs `wrk --latency` once (bounded by its duration plus a hard timeout) and parses its report. */
export function runWrk(options: WrkOptions): Promise<WrkResult> {
  splitLoopback(options.addr);
  const args = [
    "-t1",
    `-c${options.connections}`,
    `-d${options.durationSeconds}s`,
    "--latency",
    "-H",
    `Host: ${options.host}`,
    ...(options.headers ?? []).flatMap((header) => ["-H", header]),
    `http://${options.addr}${options.path ?? "/small"}`,
  ];
  const timeout = (options.durationSeconds + 20) * 1000;
  return new Promise((resolve, reject) => {
    execFile("wrk", args, { timeout, killSignal: "SIGKILL" }, (error, stdout) => {
      if (error) reject(new Error(`wrk failed: ${error.message}`));
      else resolve(parseWrk(stdout));
    });
  });
}

export function parseWrk(out: string): WrkResult {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? Number.NaN);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const sockErr = socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1]),
    p99Ms: toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1]),
    requests: num(/(\d+) requests in/),
    errors: sockErr + (Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1]) || 0),
  };
}

function toMs(text: string | undefined): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? "");
  if (!match) return Number.NaN;
  const factor = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as "us" | "ms" | "s" | "m"];
  return Number(match[1]) * factor;
}
