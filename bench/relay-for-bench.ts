/**
 * The harness's relay: a throwaway database with one user whose key is the harness's
 * BENCH_SSH_PUBKEY and the name from RELAY_HOST reserved for them, and Burrow's relay on RELAY_HTTP
 * in a child process (its PID goes to RELAY_SERVER_PIDFILE, so the harness samples the relay's RSS
 * alone, not the database's). Everything is dropped again on SIGTERM.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createBenchDatabase } from "./lib/bench-database.ts";
import { provisionTunnelOwner } from "./lib/provision.ts";
import { startRelayProcess } from "./lib/relay-process.ts";

const relayHttp = process.env.RELAY_HTTP ?? "127.0.0.1:18082";
const relayHost = process.env.RELAY_HOST ?? "myapp.burrow.test";
const sshPort = Number(process.env.BENCH_RELAY_SSH_PORT ?? 2323);
const pubkeyFile = process.env.BENCH_SSH_PUBKEY;
if (!pubkeyFile) throw new Error("BENCH_SSH_PUBKEY is not set (run through bench/run.sh)");
const [name = "", ...domainParts] = relayHost.split(".");
const runDir = process.env.BENCH_RUN_DIR ?? join(import.meta.dirname, ".run");

const database = await createBenchDatabase();
let stopRelay: (() => Promise<void>) | undefined;
let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // The harness SIGKILLs what is still running 5 s after its SIGTERM: give the relay 3 s to drain,
  // then drop the database regardless (WITH (FORCE) ends the relay's connections).
  await Promise.race([stopRelay?.(), new Promise((resolve) => setTimeout(resolve, 3000))]);
  await database.drop();
  process.exit(code);
}
process.on("SIGTERM", () => stop(0));
process.on("SIGINT", () => stop(0));

try {
  await provisionTunnelOwner(database.url, {
    publicKeys: [await readFile(pubkeyFile, "utf8")],
    names: [name],
  });
  const relay = await startRelayProcess({
    databaseUrl: database.url,
    httpAddr: relayHttp,
    sshPort,
    domain: domainParts.join("."),
    cpuProfDir: process.env.BENCH_CPU_PROF_DIR || undefined,
    logFile: join(runDir, "burrow-relay.log"),
  });
  stopRelay = relay.stop;
  if (process.env.RELAY_SERVER_PIDFILE) await writeFile(process.env.RELAY_SERVER_PIDFILE, `${relay.pid}\n`);
  process.stdout.write(`bench relay up: http ${relayHttp}, ssh ${sshPort}, name ${name}, pid ${relay.pid}\n`);
} catch (error) {
  process.stderr.write(`bench relay: ${error instanceof Error ? error.message : String(error)}\n`);
  await stop(1);
}
