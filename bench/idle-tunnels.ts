/**
 * 1,000 connected idle tunnels: one SSH connection each (ssh2 clients in this process, spread over a
 * few keys), every name reserved in a throwaway database. Measures the relay's RSS with all of them
 * idle and while every name is requested once through the relay's HTTP port, and checks that each
 * tunnel answers with its own name. Knobs: BENCH_TUNNELS (1000), BENCH_TUNNEL_KEYS (10).
 */
import http from "node:http";
import { join } from "node:path";
import { generateEd25519KeyPair } from "../lib/ssh-keys/generate.ts";
import { createBenchDatabase } from "./lib/bench-database.ts";
import { Cleanup, intEnv, log, sleep } from "./lib/cleanup.ts";
import { type ExtraResult, extraDir, fmt, saveExtraResult } from "./lib/extra-result.ts";
import { httpGet } from "./lib/http-get.ts";
import { type LoadTunnel, openLoadTunnel } from "./lib/load-tunnel.ts";
import { runPool } from "./lib/pool.ts";
import { provisionTunnelOwner } from "./lib/provision.ts";
import { startRelayProcess } from "./lib/relay-process.ts";
import { readRssMiB, sampleRssPeak } from "./lib/rss.ts";

const HTTP_ADDR = "127.0.0.1:18085";
const SSH_PORT = 2326;
const DOMAIN = "idle.test";
const RSS_LIMIT_MIB = 1024;
const CONNECT_CONCURRENCY = 16;
const CONNECT_BUDGET_MS = 300_000;
const REQUEST_CONCURRENCY = 32;
const REQUEST_BUDGET_MS = 120_000;

const count = intEnv("BENCH_TUNNELS", 1000);
const keyCount = Math.min(intEnv("BENCH_TUNNEL_KEYS", 10), count);
const cleanup = new Cleanup();

try {
  const keys = Array.from({ length: keyCount }, (_, i) => generateEd25519KeyPair(`bench-${i}`));
  const names = Array.from({ length: count }, (_, i) => `idle-${String(i).padStart(4, "0")}`);
  log(`idle tunnels: ${count} connections over ${keyCount} keys`);
  const database = await createBenchDatabase();
  cleanup.add(() => database.drop());
  await provisionTunnelOwner(database.url, { publicKeys: keys.map((k) => k.public), names });
  const relay = await startRelayProcess({
    databaseUrl: database.url,
    httpAddr: HTTP_ADDR,
    sshPort: SSH_PORT,
    domain: DOMAIN,
    // The per-key connection limit is what this run deliberately goes beyond the default of.
    env: { BURROW_MAX_CONNECTIONS_PER_KEY: String(Math.ceil(count / keyCount)) },
    logFile: join(extraDir, "..", "relay-idle-tunnels.log"),
    exposeGc: true,
  });
  cleanup.add(() => relay.stop());
  await sleep(1000);
  const before = await relay.memory();
  const rssStart = readRssMiB(relay.pid);

  const connectStart = Date.now();
  const opened = await runPool(names, CONNECT_CONCURRENCY, connectStart + CONNECT_BUDGET_MS, (name, i) =>
    openLoadTunnel({ sshPort: SSH_PORT, privateKey: keys[i % keyCount]!.private, name, timeoutMs: 30_000 }),
  );
  const connectSeconds = (Date.now() - connectStart) / 1000;
  const tunnels: LoadTunnel[] = [];
  const failures: string[] = [];
  for (const outcome of opened) {
    if (outcome?.status === "fulfilled") tunnels.push(outcome.value);
    else failures.push(outcome ? String(outcome.reason) : "not started (time budget)");
  }
  cleanup.add(() => {
    for (const tunnel of tunnels) tunnel.close();
  });
  log(`connected ${tunnels.length}/${count} in ${connectSeconds.toFixed(1)} s`);

  await sleep(3000);
  const idle = await relay.memory();
  const rssIdle = readRssMiB(relay.pid);

  const peak = sampleRssPeak(relay.pid);
  const agent = new http.Agent({ keepAlive: true, maxSockets: REQUEST_CONCURRENCY });
  const requestStart = Date.now();
  const answers = await runPool(tunnels, REQUEST_CONCURRENCY, requestStart + REQUEST_BUDGET_MS, (tunnel) =>
    httpGet(HTTP_ADDR, `${tunnel.name}.${DOMAIN}`, "/", 10_000, agent),
  );
  const requestSeconds = (Date.now() - requestStart) / 1000;
  const rssPeak = peak.stop();
  agent.destroy();
  const answered = answers.filter(
    (a, i) => a?.status === "fulfilled" && a.value.status === 200 && a.value.body === tunnels[i]!.name,
  ).length;
  const badAnswers = answers
    .map((a, i) =>
      a?.status === "rejected"
        ? String(a.reason)
        : a && a.value.body !== tunnels[i]!.name
          ? `HTTP ${a.value.status}`
          : "",
    )
    .filter(Boolean);
  log(`answered ${answered}/${tunnels.length} in ${requestSeconds.toFixed(1)} s`);

  // RSS hardly moves (V8 reuses the start-up garbage's pages); the heap after a full GC shows the cost.
  const perTunnelKiB = tunnels.length
    ? ((idle.heapUsed - before.heapUsed) * 1024) / tunnels.length
    : Number.NaN;
  const allUp = tunnels.length === count && answered === count;
  const result: ExtraResult = {
    id: "idle-tunnels",
    title: `${count} connected idle tunnels (one SSH connection each, ssh2 clients, ${keyCount} keys)`,
    when: new Date().toISOString(),
    rows: [
      ["tunnels connected", `${tunnels.length}/${count} in ${fmt(connectSeconds)} s`],
      ["tunnels answering (own name, HTTP 200)", `${answered}/${count} in ${fmt(requestSeconds)} s`],
      ["relay RSS before, MiB", fmt(rssStart)],
      ["relay RSS with all tunnels idle, MiB", fmt(rssIdle)],
      ["relay RSS peak while answering, MiB", fmt(rssPeak)],
      [
        "relay JS heap after GC, before / with all tunnels idle, MiB",
        `${fmt(before.heapUsed)} / ${fmt(idle.heapUsed)}`,
      ],
      ["relay JS heap per idle tunnel, KiB", fmt(perTunnelKiB)],
    ],
    targets: [
      {
        target: `${count} idle tunnels in <= 1 GiB relay RSS, each answers`,
        measured: `${fmt(Math.max(rssIdle, rssPeak))} MiB peak, ${answered}/${count} answered`,
        met: allUp && Math.max(rssIdle, rssPeak) <= RSS_LIMIT_MIB,
      },
    ],
    notes: [...new Set([...failures, ...badAnswers])].slice(0, 5),
  };
  log(`saved ${await saveExtraResult(result)}`);
} catch (error) {
  process.exitCode = 1;
  process.stderr.write(`idle-tunnels failed: ${error instanceof Error ? error.stack : String(error)}\n`);
} finally {
  await cleanup.run();
  // Lingering sockets must not keep a finished bench alive.
  process.exit();
}
