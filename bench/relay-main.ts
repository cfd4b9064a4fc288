/**
 * The relay process the benchmarks measure: Burrow's own `runRelay`, configured from the environment
 * exactly like production (DATABASE_URL, BURROW_*), with no database set-up of its own, so its RSS
 * and CPU profile are the relay's alone. Prints "relay ready" on stdout; exits on SIGTERM/SIGINT.
 */
import { createDb } from "../lib/db.ts";
import { loadEnv } from "../lib/env.ts";
import { createLogger } from "../lib/logger.ts";
import { runRelay } from "../server/main.ts";

const config = loadEnv();
if (!config.DATABASE_URL) throw new Error("bench relay: DATABASE_URL must point at the bench database");
const db = createDb(config.DATABASE_URL, { applicationName: "burrow-relay" });
const relay = await runRelay(config, { db, logger: createLogger({ silent: true }) });
process.stdout.write(`relay ready ssh=${relay.ports.sshPort} http=${relay.ports.httpPort}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await relay.close().catch((error: unknown) => process.stderr.write(`bench relay: close: ${error}\n`));
  await db.$disconnect().catch(() => {});
  // process.exit (not a natural exit) so --cpu-prof still writes its profile if a handle lingers.
  process.exit(0);
}
// `kill -USR2 <pid>` prints a "memory {...}" line (MiB) on stdout: after a full GC when the relay
// runs with --expose-gc, so heap growth per tunnel can be told from garbage not yet collected.
process.on("SIGUSR2", () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const m = process.memoryUsage();
  const mib = (n: number) => Math.round((n / 1048576) * 10) / 10;
  const fields = {
    rss: mib(m.rss),
    heapUsed: mib(m.heapUsed),
    heapTotal: mib(m.heapTotal),
    external: mib(m.external),
    arrayBuffers: mib(m.arrayBuffers),
    gc: Boolean(gc),
  };
  process.stdout.write(`memory ${JSON.stringify(fields)}\n`);
});
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
