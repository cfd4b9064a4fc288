import { join } from "node:path";
import pg from "pg";
import { sleep } from "./cleanup.ts";
import { extraDir } from "./extra-result.ts";
import { httpGet } from "./http-get.ts";
import { startOpenSshForward } from "./openssh-client.ts";
import { startRelayProcess } from "./relay-process.ts";
import { readCpuSeconds, sampleRssPeak } from "./rss.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

export const C64_HTTP_ADDR = "127.0.0.1:18086";
const SSH_PORT = 2327;
const DOMAIN = "c64.test";

export interface C64Options {
  databaseUrl: string;
  /** Private key file of a user who has `name` reserved. */
  keyFile: string;
  name: string;
  /** The local app the OpenSSH client forwards to. */
  originAddr: string;
  durationSeconds: number;
  /** Relay settings for this run (e.g. BURROW_REQUEST_LOG). */
  env?: Record<string, string>;
  /** Extra request headers wrk sends ("Name: value"). */
  headers?: readonly string[];
  /** Checkout whose relay to run; default this one. */
  repoRoot?: string;
  cpuProfDir?: string;
  /** More node/V8 flags for this relay (RelayProcessOptions.nodeFlags). */
  nodeFlags?: readonly string[];
}

export interface C64Run {
  wrk: WrkResult;
  /**
   * CPU time the relay / the OpenSSH client spent per request during the measured run, in ms. Unlike
   * req/s this hardly depends on what else the shared machine is doing.
   */
  relayCpuMsPerRequest: number;
  clientCpuMsPerRequest: number;
  /** request_logs rows the run added, per request served (probes and warm-up included). */
  rowsPerRequest: number;
  /** The relay process's peak RSS during the measured run, in MiB. */
  relayRssPeakMiB: number;
}

/**
 * One relay start + one `ssh -R` client, then a 2 s warm-up and a measured `wrk -c64` of small
 * keep-alive requests; the relay is stopped (which flushes its request log) before rows are counted.
 */
export async function measureC64(options: C64Options): Promise<C64Run> {
  const rowsBefore = await countLogRows(options.databaseUrl);
  const relay = await startRelayProcess({
    databaseUrl: options.databaseUrl,
    httpAddr: C64_HTTP_ADDR,
    sshPort: SSH_PORT,
    domain: DOMAIN,
    env: options.env,
    repoRoot: options.repoRoot,
    cpuProfDir: options.cpuProfDir,
    nodeFlags: options.nodeFlags,
    logFile: join(extraDir, "..", "relay-c64.log"),
  });
  const client = startOpenSshForward({
    keyFile: options.keyFile,
    sshPort: SSH_PORT,
    name: options.name,
    target: options.originAddr,
  });
  const host = `${options.name}.${DOMAIN}`;
  try {
    const probes = await waitServing(host);
    const warmUp = await runWrk({
      addr: C64_HTTP_ADDR,
      host,
      connections: 64,
      durationSeconds: 2,
      headers: options.headers,
    });
    const cpuBefore = [readCpuSeconds(relay.pid), readCpuSeconds(client.pid)] as const;
    const rss = sampleRssPeak(relay.pid);
    const wrk = await runWrk({
      addr: C64_HTTP_ADDR,
      host,
      connections: 64,
      durationSeconds: options.durationSeconds,
      headers: options.headers,
    });
    const relayRssPeakMiB = rss.stop();
    const perRequest = (after: number, before: number) => ((after - before) * 1000) / wrk.requests;
    const relayCpuMsPerRequest = perRequest(readCpuSeconds(relay.pid), cpuBefore[0]);
    const clientCpuMsPerRequest = perRequest(readCpuSeconds(client.pid), cpuBefore[1]);
    await client.stop();
    await relay.stop();
    const rows = (await countLogRows(options.databaseUrl)) - rowsBefore;
    // Responses wrk cut off at its deadline may add a few rows.
    return {
      wrk,
      relayCpuMsPerRequest,
      clientCpuMsPerRequest,
      rowsPerRequest: rows / (probes + warmUp.requests + wrk.requests),
      relayRssPeakMiB,
    };
  } finally {
    await client.stop();
    await relay.stop();
  }
}

/** Polls until the tunnel answers 200; returns how many requests that took (each may be logged). */
async function waitServing(host: string): Promise<number> {
  const deadline = Date.now() + 20_000;
  for (let attempts = 1; Date.now() < deadline; attempts++) {
    const ok = await httpGet(C64_HTTP_ADDR, host, "/small", 2000).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return attempts;
    await sleep(200);
  }
  throw new Error(`${host} did not answer through the relay within 20 s`);
}

async function countLogRows(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "burrow-bench" });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM request_logs");
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
