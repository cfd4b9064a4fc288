/**
 * Measures a relay's memory from outside: the relay runs in a child process (so the test's own
 * buffers do not count) that samples its memory and answers over IPC. Test-only.
 *
 *   // child (forked with --expose-gc):  serveMemoryProbe({ httpPort, close, handle })
 *   const probe = await forkMemoryProbe(join(import.meta.dirname, "my-relay-process.ts"), env);
 *   await probe.baseline();
 *   ...load...
 *   const report = await probe.report();   // sustained peak: growth(report).rss, describeGrowth(report)
 *   await probe.stop();
 *
 * Messages: child → { ready: { httpPort } } once; parent → { cmd: "baseline" } → { baseline },
 * { cmd: "report" } → { peak, baseline }, anything else goes to the child's `handle`.
 * Disconnecting the IPC channel makes the child close and exit.
 */
import { type ChildProcess, fork } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

const MiB = 1024 * 1024;
const SAMPLE_EVERY_MS = 25;

export interface MemorySample {
  rss: number;
  arrayBuffers: number;
  heapTotal: number;
}

export interface MemoryReport {
  peak: MemorySample;
  baseline: MemorySample;
}

export interface ProbeCommand {
  cmd: string;
  [field: string]: unknown;
}

function sampleMemory(): MemorySample {
  const { rss, arrayBuffers, heapTotal } = process.memoryUsage();
  return { rss, arrayBuffers, heapTotal };
}

function smaller(a: MemorySample, b: MemorySample): MemorySample {
  return {
    rss: Math.min(a.rss, b.rss),
    arrayBuffers: Math.min(a.arrayBuffers, b.arrayBuffers),
    heapTotal: Math.min(a.heapTotal, b.heapTotal),
  };
}

function larger(a: MemorySample, b: MemorySample): MemorySample {
  return {
    rss: Math.max(a.rss, b.rss),
    arrayBuffers: Math.max(a.arrayBuffers, b.arrayBuffers),
    heapTotal: Math.max(a.heapTotal, b.heapTotal),
  };
}

/**
 * In the child: tracks the peak from each `baseline` to the next `report` and answers both.
 * `handle` answers the child's own commands (its reply is sent back as is).
 */
export function serveMemoryProbe(options: {
  httpPort: number;
  close: () => Promise<void>;
  handle?: (command: ProbeCommand) => Promise<object>;
}): void {
  const send = (message: object) => process.send?.(message);
  if (!process.send) throw new Error("run through forkMemoryProbe()");
  let baseline = sampleMemory();
  let peak = baseline;
  let previous = baseline;
  let measuring = false;
  // A full GC before each sample while measuring: the peak then shows memory the relay holds
  // (buffered body bytes), not garbage V8 has yet to collect, which varies from run to run.
  // The peak counts what two samples in a row both saw: a relay that buffers a body holds it
  // across samples, while the few MiB one busy turn has in hand (a burst of decrypted packets,
  // buffers V8 frees concurrently after the GC) are gone by the next sample. Measured on a 256 MiB
  // download: a sustained 2 MiB (the channel window) with single samples of 5-7 MiB, and a peak of
  // 24.5 MiB once on a loaded CI machine, which failed the test before.
  const sampler = setInterval(() => {
    if (!measuring) return;
    globalThis.gc?.();
    const current = sampleMemory();
    peak = larger(peak, smaller(previous, current));
    previous = current;
  }, SAMPLE_EVERY_MS);

  process.on("message", (command: ProbeCommand) => {
    void (async () => {
      if (command.cmd === "baseline") {
        globalThis.gc?.();
        baseline = sampleMemory();
        peak = baseline;
        previous = baseline;
        measuring = true;
        send({ baseline });
      } else if (command.cmd === "report") {
        measuring = false;
        globalThis.gc?.();
        send({ peak: larger(peak, smaller(previous, sampleMemory())), baseline });
      } else if (options.handle) {
        send(await options.handle(command));
      }
    })().catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });
  process.once("disconnect", () => {
    clearInterval(sampler);
    options
      .close()
      .catch((error: unknown) => console.error(error))
      .finally(() => process.exit(0));
  });
  send({ ready: { httpPort: options.httpPort } });
}

export interface MemoryProbe {
  /** The relay's HTTP edge port. */
  httpPort: number;
  /** Sends `command` and waits for the reply that has the field `key`. */
  ask<T>(command: ProbeCommand, key: string): Promise<T>;
  /** Starts measuring from now (after a full GC). */
  baseline(): Promise<void>;
  /** The peak since the last baseline, of what two samples in a row both saw. */
  report(): Promise<MemoryReport>;
  /** Lets the child close; kills it if it has not exited within 10 s. */
  stop(): Promise<void>;
}

/** Forks `entry` (a module that calls serveMemoryProbe) under tsx with --expose-gc. */
export async function forkMemoryProbe(entry: string, env: Record<string, string>): Promise<MemoryProbe> {
  const child: ChildProcess = fork(entry, [], {
    execArgv: ["--import", "tsx", "--expose-gc"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = await new Promise<{ httpPort: number }>((resolve, reject) => {
    child.once("message", (m: { ready?: { httpPort: number } }) =>
      m.ready ? resolve(m.ready) : reject(new Error(`expected a ready message, got ${JSON.stringify(m)}`)),
    );
    void exited.then(() => reject(new Error("the relay process exited before it was ready")));
  });

  function ask<T>(command: ProbeCommand, key: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Record<string, unknown>) => {
        if (!(key in reply)) return;
        child.off("message", onMessage);
        resolve(reply as T);
      };
      child.on("message", onMessage);
      void exited.then(() => reject(new Error("the relay process exited")));
      child.send(command);
    });
  }

  return {
    httpPort: ready.httpPort,
    ask,
    async baseline() {
      await ask({ cmd: "baseline" }, "baseline");
    },
    report: () => ask<MemoryReport>({ cmd: "report" }, "peak"),
    async stop() {
      if (child.connected) child.disconnect();
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/** Growth from baseline to peak, per measure. */
export function growth(report: MemoryReport): MemorySample {
  return {
    rss: report.peak.rss - report.baseline.rss,
    arrayBuffers: report.peak.arrayBuffers - report.baseline.arrayBuffers,
    heapTotal: report.peak.heapTotal - report.baseline.heapTotal,
  };
}

/** "rss +3.1 MiB (from 120.4 MiB), live buffers +1.0 MiB, heap +0.5 MiB", for assertion messages. */
export function describeGrowth(report: MemoryReport): string {
  const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  const grew = growth(report);
  return (
    `rss +${mib(grew.rss)} (from ${mib(report.baseline.rss)}), ` +
    `live buffers +${mib(grew.arrayBuffers)}, heap +${mib(grew.heapTotal)}`
  );
}
