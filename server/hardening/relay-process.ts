/**
 * The real relay (server/testing/harness.ts) in its own process with one OpenSSH tunnel, so a test
 * can measure the relay's memory without counting its own. Run with --expose-gc through fork();
 * env BURROW_HARDENING_APP_PORT is the local app the tunnel "slow" forwards to. Test-only.
 *
 * Messages out: { ready: { httpPort } }. In: { cmd: "baseline" } → { baseline };
 * { cmd: "report" } → { peak, baseline }. Disconnecting the IPC channel stops everything.
 */
import { startTestRelay } from "../testing/harness.ts";

export interface MemorySample {
  rss: number;
  arrayBuffers: number;
}

type Command = { cmd: "baseline" } | { cmd: "report" };

function sample(): MemorySample {
  const { rss, arrayBuffers } = process.memoryUsage();
  return { rss, arrayBuffers };
}

async function main(): Promise<void> {
  const appPort = Number(process.env.BURROW_HARDENING_APP_PORT);
  if (!appPort || !process.send) throw new Error("run through fork() with BURROW_HARDENING_APP_PORT");
  const send = (message: unknown) => process.send?.(message);
  const t = await startTestRelay();
  const user = await t.createUserWithKey();
  await t.reserve(user, "slow");
  const ssh = await t.startSsh({ user, forwards: [`slow:80:127.0.0.1:${appPort}`] });
  if (ssh.state !== "live") throw new Error(`ssh did not start: ${ssh.stderr()}`);

  let baseline = sample();
  let peak = baseline;
  // A full GC before each sample, so the peak is memory the relay holds (buffered body bytes), not
  // garbage V8 has yet to collect.
  const sampler = setInterval(() => {
    globalThis.gc?.();
    const now = sample();
    peak = { rss: Math.max(peak.rss, now.rss), arrayBuffers: Math.max(peak.arrayBuffers, now.arrayBuffers) };
  }, 50);

  process.on("message", (message: Command) => {
    if (message.cmd === "baseline") {
      globalThis.gc?.();
      baseline = sample();
      peak = baseline;
      send({ baseline });
    } else {
      send({ peak, baseline });
    }
  });
  process.once("disconnect", () => {
    clearInterval(sampler);
    t.close().finally(() => process.exit(0));
  });
  send({ ready: { httpPort: t.httpPort } });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
