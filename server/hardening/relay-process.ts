/**
 * The real relay (server/testing/harness.ts) in its own process with one OpenSSH tunnel "slow", so a
 * test can measure the relay's memory without counting its own (server/testing/memory-probe.ts).
 * Env BURROW_HARDENING_APP_PORT is the local app the tunnel forwards to. Test-only.
 */

import { startTestRelay } from "../testing/harness.ts";
import { serveMemoryProbe } from "../testing/memory-probe.ts";

async function main(): Promise<void> {
  const appPort = Number(process.env.BURROW_HARDENING_APP_PORT);
  if (!appPort) throw new Error("run through forkMemoryProbe() with BURROW_HARDENING_APP_PORT");
  const t = await startTestRelay();
  const user = await t.createUserWithKey();
  await t.reserve(user, "slow");
  const ssh = await t.startSsh({ user, forwards: [`slow:80:127.0.0.1:${appPort}`] });
  if (ssh.state !== "live") throw new Error(`ssh did not start: ${ssh.stderr()}`);
  serveMemoryProbe({ httpPort: t.httpPort, close: () => t.close() });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
