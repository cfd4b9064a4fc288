/**
 * A test relay (server/http/testing.ts) in its own process, so a test can measure the relay's memory
 * without counting its own. Driven over IPC by startRelayProcess(); not for production use.
 *
 * Messages in: { cmd: "tunnel", name, port } → { tunnel: name }; { cmd: "baseline" } → { baseline };
 * { cmd: "report" } → { peak, baseline, current }.
 */
import { createDb } from "../../lib/db.ts";
import { type SshTunnelClient, startEdgeTestRelay, startSshTunnel } from "./testing.ts";

export interface MemorySample {
  rss: number;
  arrayBuffers: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

type Command = { cmd: "tunnel"; name: string; port: number } | { cmd: "baseline" } | { cmd: "report" };

function sample(): MemorySample {
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    arrayBuffers: m.arrayBuffers,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
  };
}

async function main(): Promise<void> {
  const url = process.env.BURROW_EDGE_TEST_DB_URL;
  if (!url || !process.send) throw new Error("run through startRelayProcess()");
  const send = (message: unknown) => process.send?.(message);
  const db = createDb(url, { max: 2, applicationName: "burrow-test-relay-process" });
  const relay = await startEdgeTestRelay({ db });
  const clients: SshTunnelClient[] = [];
  let baseline = sample();
  let peak = sample();
  let measuring = false;
  // While measuring, a full GC before each sample: the peak then shows memory the relay holds
  // (buffered body bytes), not garbage V8 has not collected yet, which varies from run to run.
  const sampler = setInterval(() => {
    if (measuring) globalThis.gc?.();
    const now = sample();
    peak = {
      rss: Math.max(peak.rss, now.rss),
      arrayBuffers: Math.max(peak.arrayBuffers, now.arrayBuffers),
      heapUsed: Math.max(peak.heapUsed, now.heapUsed),
      heapTotal: Math.max(peak.heapTotal, now.heapTotal),
      external: Math.max(peak.external, now.external),
    };
  }, 25);

  process.on("message", (message: Command) => {
    void (async () => {
      if (message.cmd === "tunnel") {
        clients.push(await startSshTunnel(relay, message.name, message.port));
        send({ tunnel: message.name });
      } else if (message.cmd === "baseline") {
        globalThis.gc?.();
        baseline = sample();
        peak = baseline;
        measuring = true;
        send({ baseline });
      } else if (message.cmd === "report") {
        measuring = false;
        send({ peak, baseline, current: sample() });
      }
    })();
  });
  process.once("disconnect", () => {
    clearInterval(sampler);
    void (async () => {
      for (const client of clients) await client.stop();
      await relay.close();
      await db.$disconnect();
      process.exit(0);
    })();
  });
  send({ ready: { httpPort: relay.httpPort } });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
