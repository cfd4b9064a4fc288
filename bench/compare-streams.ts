/**
 * A/B of two checkouts' relays on 64 MiB transfers, alternating runs, to check that a change to the
 * streaming path helps before it is committed: `node --import tsx bench/compare-streams.ts <other
 * repo>` (the other checkout needs this bench/ directory). Each run starts a relay and a plain
 * OpenSSH client, then downloads and uploads 64 MiB one at a time with curl, as the shared harness
 * does; prints median MiB/s and relay + ssh client CPU per 64 MiB (steadier than MiB/s on a shared
 * machine) and the relay's peak RSS for both. Saves nothing.
 * Knobs: REPS (3 pairs), TRANSFERS (6 of each kind per run), BURROW_REQUEST_LOG (true),
 * THIS_NODE_FLAGS / OTHER_NODE_FLAGS (node/V8 flags for one side's relay, space-separated: compare
 * flags with `.` as the other checkout).
 */
import { spawn } from "node:child_process";
import { mkdir, open } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createC64Fixture } from "./lib/c64-fixture.ts";
import { Cleanup, intEnv, log, sleep } from "./lib/cleanup.ts";
import { extraDir, fmt } from "./lib/extra-result.ts";
import { httpGet } from "./lib/http-get.ts";
import { LARGE_BYTES, startLargeOrigin } from "./lib/large-origin.ts";
import { median } from "./lib/measure-c64.ts";
import { startOpenSshForward } from "./lib/openssh-client.ts";
import { startRelayProcess } from "./lib/relay-process.ts";
import { readCpuSeconds, sampleRssPeak } from "./lib/rss.ts";

const HTTP_ADDR = "127.0.0.1:18087";
const SSH_PORT = 2328;
const DOMAIN = "streams.test";
const KINDS = ["download", "upload"] as const;
type Kind = (typeof KINDS)[number];

const other = process.argv[2];
if (!other) throw new Error("usage: compare-streams.ts <path of the other checkout>");
const sides = { this: resolve(join(import.meta.dirname, "..")), other: resolve(other) };
type Side = keyof typeof sides;
const pairs = intEnv("REPS", 3);
const transfers = intEnv("TRANSFERS", 6);
const cleanup = new Cleanup();

interface Measured {
  mibps: number[];
  cpuMs: number[];
  rssMiB: number[];
}

try {
  await mkdir(extraDir, { recursive: true });
  const fixture = await createC64Fixture(cleanup, "streambench");
  const origin = await startLargeOrigin();
  cleanup.add(() => origin.close());
  const uploadFile = join(extraDir, "upload-64m.bin");
  await writeUploadFile(uploadFile);
  const results = {} as Record<Side, Record<Kind, Measured>>;
  for (const side of Object.keys(sides) as Side[]) {
    results[side] = {
      download: { mibps: [], cpuMs: [], rssMiB: [] },
      upload: { mibps: [], cpuMs: [], rssMiB: [] },
    };
  }
  for (let pair = 0; pair < pairs; pair++) {
    for (const side of pair % 2 === 0 ? (["this", "other"] as const) : (["other", "this"] as const)) {
      const relay = await startRelayProcess({
        databaseUrl: fixture.databaseUrl,
        httpAddr: HTTP_ADDR,
        sshPort: SSH_PORT,
        domain: DOMAIN,
        repoRoot: sides[side],
        nodeFlags: (process.env[side === "this" ? "THIS_NODE_FLAGS" : "OTHER_NODE_FLAGS"] ?? "")
          .split(" ")
          .filter(Boolean),
        env: { BURROW_REQUEST_LOG: process.env.BURROW_REQUEST_LOG ?? "true" },
        logFile: join(extraDir, "..", "relay-streams.log"),
      });
      const client = startOpenSshForward({
        keyFile: fixture.keyFile,
        sshPort: SSH_PORT,
        name: fixture.name,
        target: origin.addr,
      });
      const host = `${fixture.name}.${DOMAIN}`;
      try {
        await waitServing(host);
        await curl(host, "download", uploadFile);
        for (const kind of KINDS) {
          const before = [readCpuSeconds(relay.pid), readCpuSeconds(client.pid)] as const;
          const speeds: number[] = [];
          const rss = sampleRssPeak(relay.pid);
          for (let i = 0; i < transfers; i++) speeds.push(await curl(host, kind, uploadFile));
          const rssMiB = rss.stop();
          const relayMs = ((readCpuSeconds(relay.pid) - before[0]) * 1000) / transfers;
          const clientMs = ((readCpuSeconds(client.pid) - before[1]) * 1000) / transfers;
          const run = results[side][kind];
          run.mibps.push(median(speeds));
          run.cpuMs.push(relayMs + clientMs);
          run.rssMiB.push(rssMiB);
          log(
            `${side.padEnd(5)} ${kind.padEnd(8)} ${fmt(median(speeds))} MiB/s, CPU per 64 MiB relay ` +
              `${fmt(relayMs)} ms + ssh ${fmt(clientMs)} ms, relay peak RSS ${fmt(rssMiB)} MiB`,
          );
        }
      } finally {
        await client.stop();
        await relay.stop();
      }
    }
  }
  for (const kind of KINDS) {
    const speed = (side: Side) => median(results[side][kind].mibps);
    const cpu = (side: Side) => median(results[side][kind].cpuMs);
    const rss = (side: Side) => median(results[side][kind].rssMiB);
    process.stdout.write(
      `${kind}: this ${fmt(speed("this"))} MiB/s, other ${fmt(speed("other"))} MiB/s: other/this x${(speed("other") / speed("this")).toFixed(2)}; ` +
        `relay+ssh CPU per 64 MiB this ${fmt(cpu("this"))} ms, other ${fmt(cpu("other"))} ms: x${(cpu("other") / cpu("this")).toFixed(2)}; ` +
        `relay peak RSS this ${fmt(rss("this"))} MiB, other ${fmt(rss("other"))} MiB\n`,
    );
  }
} catch (error) {
  process.exitCode = 1;
  process.stderr.write(`compare-streams failed: ${error instanceof Error ? error.stack : String(error)}\n`);
} finally {
  await cleanup.run();
  process.exit();
}

/** One 64 MiB transfer through the tunnel with curl; its MiB/s (size checked). */
async function curl(host: string, kind: Kind, uploadFile: string): Promise<number> {
  const args = ["-sS", "--max-time", "120", "-H", `Host: ${host}`, "-H", "Expect:", "-o", "/dev/null"];
  if (kind === "download")
    args.push("-w", "%{http_code} %{size_download} %{time_total}", `http://${HTTP_ADDR}/large`);
  else {
    args.push("-X", "POST", "-T", uploadFile, "-H", "Content-Type: application/octet-stream");
    args.push("-w", "%{http_code} %{size_upload} %{time_total}", `http://${HTTP_ADDR}/upload`);
  }
  const out = await new Promise<string>((done, fail) => {
    const child = spawn("curl", args, { stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk;
    });
    child.on("error", fail);
    child.on("close", (code) => (code === 0 ? done(text) : fail(new Error(`curl exited with ${code}`))));
  });
  const [status, size, seconds] = out.trim().split(" ").map(Number);
  if (status !== 200 || size !== LARGE_BYTES) throw new Error(`${kind}: HTTP ${status}, ${size} bytes`);
  return LARGE_BYTES / 1048576 / seconds!;
}

async function waitServing(host: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const ok = await httpGet(HTTP_ADDR, host, "/small", 2000).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`${host} did not answer through the relay within 20 s`);
}

/** 64 MiB of random bytes (incompressible, as the harness's upload file). */
async function writeUploadFile(file: string): Promise<void> {
  const handle = await open(file, "w");
  try {
    const { randomBytes } = await import("node:crypto");
    for (let written = 0; written < LARGE_BYTES; written += 1 << 20) await handle.write(randomBytes(1 << 20));
  } finally {
    await handle.close();
  }
}
