import { readFileSync } from "node:fs";

/** VmRSS of one process in MiB (0 once it has exited). */
export function readRssMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every 100 ms until stopped; returns the peak. */
export function sampleRssPeak(pid: number): { stop(): number } {
  let peak = readRssMiB(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, readRssMiB(pid));
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, readRssMiB(pid));
    },
  };
}

/** CPU time (user + system) a process has used so far, in seconds; 0 once it has exited. */
export function readCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime, fields 14 and 15 of proc(5), counted from the state field here; USER_HZ = 100.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
