/**
 * What WebSocket echo latency any tunnel with a client process can reach on this machine: the
 * harness's echo (sequential 32-byte messages, `ws` client, p50) straight to the app, through one
 * and through two processes that only copy bytes (bench/lib/echo-roles.ts), and through Burrow (the
 * relay plus a plain OpenSSH `ssh -R`: the same two processes, with SSH framing, encryption and
 * HTTP in them), interleaved in one run. Issue 5 asks for Burrow within 3x of direct; the
 * two-forwarder row says how much of that the machine leaves (each process in the path costs a
 * wake-up per direction, which on this VM is most of the time).
 * Knobs: REPS (5 rounds), BENCH_ECHOES (2000 per path per round).
 */

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import WebSocket from "ws";
import { generateEd25519KeyPair } from "../lib/ssh-keys/generate.ts";
import { createBenchDatabase } from "./lib/bench-database.ts";
import { Cleanup, intEnv, log } from "./lib/cleanup.ts";
import { startEchoRole } from "./lib/echo-roles.ts";
import { type ExtraResult, extraDir, fmt, saveExtraResult } from "./lib/extra-result.ts";
import { median } from "./lib/measure-c64.ts";
import { startOpenSshForward } from "./lib/openssh-client.ts";
import { provisionTunnelOwner } from "./lib/provision.ts";
import { startRelayProcess } from "./lib/relay-process.ts";

const HTTP_ADDR = "127.0.0.1:18087";
const SSH_PORT = 2328;
const DOMAIN = "echo.test";
const NAME = "echo";
const WARM_UP = 100;
const MESSAGE = Buffer.alloc(32, 0x61);
/** Per path and round: a wedged echo fails the run instead of hanging it. */
const ROUND_LIMIT_MS = 60_000;

const reps = intEnv("REPS", 5);
const echoes = intEnv("BENCH_ECHOES", 2000);
const cleanup = new Cleanup();

interface Path {
  label: string;
  url: string;
  host?: string;
}

/** Opens a WebSocket, sends WARM_UP + echoes messages one at a time; each echo's time in µs. */
async function echoTimes(path: Path): Promise<number[]> {
  const ws = new WebSocket(path.url, {
    perMessageDeflate: false,
    headers: path.host ? { host: path.host } : {},
  });
  const limit = setTimeout(() => ws.terminate(), ROUND_LIMIT_MS);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) =>
        reject(new Error(`${path.label}: HTTP ${res.statusCode}`)),
      );
    });
    const times: number[] = [];
    for (let i = 0; i < WARM_UP + echoes; i++) {
      const started = process.hrtime.bigint();
      const echoed = new Promise<void>((resolve, reject) => {
        ws.once("message", () => resolve());
        ws.once("close", () => reject(new Error(`${path.label}: closed after ${i} echoes`)));
      });
      ws.send(MESSAGE);
      await echoed;
      ws.removeAllListeners("close");
      if (i >= WARM_UP) times.push(Number(process.hrtime.bigint() - started) / 1000);
    }
    return times;
  } finally {
    clearTimeout(limit);
    ws.terminate();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

try {
  const origin = await startEchoRole(["origin"]);
  cleanup.add(() => origin.stop());
  const first = await startEchoRole(["forward", String(origin.port)]);
  cleanup.add(() => first.stop());
  const second = await startEchoRole(["forward", String(first.port)]);
  cleanup.add(() => second.stop());

  const key = generateEd25519KeyPair("bench-echo");
  const keyFile = join(extraDir, "echo-key");
  await writeFile(keyFile, key.private, { mode: 0o600 });
  const database = await createBenchDatabase();
  cleanup.add(() => database.drop());
  await provisionTunnelOwner(database.url, { publicKeys: [key.public], names: [NAME] });
  const relay = await startRelayProcess({
    databaseUrl: database.url,
    httpAddr: HTTP_ADDR,
    sshPort: SSH_PORT,
    domain: DOMAIN,
    logFile: join(extraDir, "..", "relay-echo.log"),
  });
  cleanup.add(() => relay.stop());
  const client = startOpenSshForward({
    keyFile,
    sshPort: SSH_PORT,
    name: NAME,
    target: `127.0.0.1:${origin.port}`,
  });
  cleanup.add(() => client.stop());

  const paths: Path[] = [
    { label: "direct", url: `ws://127.0.0.1:${origin.port}/ws` },
    { label: "one forwarder", url: `ws://127.0.0.1:${first.port}/ws` },
    { label: "two forwarders", url: `ws://127.0.0.1:${second.port}/ws` },
    { label: "Burrow (relay + ssh -R)", url: `ws://${HTTP_ADDR}/ws`, host: `${NAME}.${DOMAIN}` },
  ];
  // The tunnel needs a moment after ssh starts: retry the first Burrow connection for up to 20 s.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await echoTimes({ ...paths[3]!, label: "Burrow probe" }).then(
      () => true,
      (error: unknown) => (Date.now() > deadline ? Promise.reject(error) : false),
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  const p50s = new Map<string, number[]>(paths.map((p) => [p.label, []]));
  const p99s = new Map<string, number[]>(paths.map((p) => [p.label, []]));
  for (let rep = 0; rep < reps; rep++) {
    // A different order each round, so no path always runs right after another.
    const order = paths.map((_, i) => paths[(i + rep) % paths.length]!);
    for (const path of order) {
      const sorted = (await echoTimes(path)).sort((a, b) => a - b);
      const middle = percentile(sorted, 0.5);
      p50s.get(path.label)!.push(middle);
      p99s.get(path.label)!.push(percentile(sorted, 0.99));
      log(`echo ${path.label}: p50 ${fmt(middle)} us`);
    }
  }

  const p50 = (label: string) => median(p50s.get(label)!);
  const direct = p50("direct");
  const floor = p50("two forwarders");
  const burrow = p50(paths[3]!.label);
  const result: ExtraResult = {
    id: "echo-floor",
    title: `WebSocket echo through processes that only copy bytes (${reps} interleaved rounds of ${echoes} sequential 32-byte echoes per path)`,
    when: new Date().toISOString(),
    rows: [
      ...paths.map((p): [string, string] => [
        `${p.label}: p50 / p99 us`,
        `${fmt(p50(p.label))} (x${(p50(p.label) / direct).toFixed(2)}) / ${fmt(median(p99s.get(p.label)!))}`,
      ]),
      ["Burrow / two forwarders, p50", `x${(burrow / floor).toFixed(2)}`],
    ],
    targets: [],
    notes: [
      `Two processes that do nothing but copy bytes put the echo at x${(floor / direct).toFixed(2)} of direct on this machine; Burrow's relay and OpenSSH client are two such processes, and issue 5 asks for x3.`,
    ],
  };
  log(`saved ${await saveExtraResult(result)}`);
} catch (error) {
  process.exitCode = 1;
  process.stderr.write(`echo-floor failed: ${error instanceof Error ? error.stack : String(error)}\n`);
} finally {
  await cleanup.run();
  process.exit();
}
