import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { link, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isProcessAlive } from "../../lib/db/postgres-process.ts";
import { AppError } from "../../lib/errors.ts";

/** The file in the data dir that names the Burrow (`start` or `relay`) running on it. */
export const DATA_DIR_LOCK_FILE = "burrow.pid";

export interface DataDirLock {
  /** Removes the file if it still names this process. Safe to call twice. */
  release(): Promise<void>;
}

/**
 * Claims the data dir for this process's relay, or refuses with what to do. Two relays on one data
 * dir fight without noticing: they share the request-log spool (each rewrites the file with its own
 * rows, so a crash loses the other's, and a start reads back rows the other still holds and writes
 * them twice), and a second `start` borrows the first one's embedded PostgreSQL, which goes away
 * with the first, leaving the second without a database for good. A file left by a process that no
 * longer runs (killed, a power cut) is taken over. The owner's start time is kept beside its pid,
 * where the system tells it, so a pid reused after a reboot or in a container is not taken for it.
 */
export async function claimDataDir(dataDir: string): Promise<DataDirLock> {
  const claim = await claimPidFile(join(dataDir, DATA_DIR_LOCK_FILE));
  if ("lock" in claim) return claim.lock;
  throw new AppError(
    "conflict",
    `Another Burrow (${claim.command ? `${claim.command}, ` : ""}pid ${claim.ownerPid}) is running ` +
      `with the data dir ${dataDir}: stop it first (npm run burrow -- stop), ` +
      "or give this one a BURROW_DATA_DIR of its own (two cannot share its request-log spool, " +
      "and the embedded database stops with the Burrow that started it)",
  );
}

/**
 * The pid of the Burrow (`start` or `relay`) running on the data dir, if one is: what `status` and
 * `stop` look at. A file left by a process that is gone (or a reused pid) names nobody.
 */
export async function runningOwner(dataDir: string): Promise<number | undefined> {
  const owner = parseOwner(await readFile(join(dataDir, DATA_DIR_LOCK_FILE), "utf8").catch(() => ""));
  return owner && isSameProcess(owner) ? owner.pid : undefined;
}

/**
 * Creates `file` naming this process, unless a live process other than this one holds it: then
 * says which. A file left by a process that no longer runs is taken over. The claim appears whole
 * (written aside, then linked in place): created empty and then written, a claim read in between
 * looked like one left behind, and a second process took it over too, both then starting the
 * embedded PostgreSQL ("postmaster.pid already exists"). The claim names the command too
 * (`command`, this process's by default), so one kept waiting can say which to stop: a pid alone
 * sent the operator to `ps`, and a `logs -f` holding the file never finishes by itself.
 */
export async function claimPidFile(
  file: string,
  command = thisCommand(),
): Promise<{ lock: DataDirLock } | { ownerPid: number; command?: string }> {
  const mine = ownerLine(process.pid, command);
  const draft = `${file}.${process.pid}.${randomUUID()}`;
  await writeFile(draft, mine, { mode: 0o644 });
  try {
    for (let tries = 0; ; tries++) {
      try {
        await link(draft, file);
        break;
      } catch (error) {
        // A busy file (its holders coming and going) a few times, and one left behind, at most.
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || tries >= 10) throw error;
      }
      const text = await readFile(file, "utf8").catch(() => undefined);
      // Released since: whatever is there now is a new claim, never one left behind.
      if (text === undefined) continue;
      const owner = parseOwner(text);
      if (owner && owner.pid !== process.pid && isSameProcess(owner)) {
        return { ownerPid: owner.pid, command: owner.command };
      }
      await removeIfUnchanged(file, text);
    }
  } finally {
    await rm(draft, { force: true });
  }
  let released = false;
  return {
    lock: {
      async release() {
        if (released) return;
        released = true;
        const text = await readFile(file, "utf8").catch(() => "");
        if (text === mine) await rm(file, { force: true });
      },
    },
  };
}

/**
 * Removes a claim left behind, if `file` still holds it (`text`): between reading it and removing
 * it, its owner's successor may have claimed the file anew. Moved aside first (one atomic step),
 * then put back if what was moved is such a new claim. Put back with link, which fails if a third
 * process claimed the empty place meanwhile: that new claim is then lost, and two hold the file.
 * It takes a claim left behind and three processes within milliseconds; not guarded further.
 */
async function removeIfUnchanged(file: string, text: string): Promise<void> {
  const aside = `${file}.left.${process.pid}.${randomUUID()}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  try {
    if ((await readFile(aside, "utf8").catch(() => text)) !== text) await link(aside, file).catch(() => {});
  } finally {
    await rm(aside, { force: true });
  }
}

interface Owner {
  pid: number;
  /** From /proc/<pid>/stat; undefined where there is no /proc. */
  startTime?: string;
  /** As thisCommand() wrote it; undefined in a claim from before it was recorded. */
  command?: string;
}

/** Longer command lines are cut: the claim is one line of a message, not a record of arguments. */
const COMMAND_MAX_CHARS = 120;

/** Pid, start time, command: one a line (a file from before the command has only two). */
function ownerLine(pid: number, command: string): string {
  return `${pid}\n${processStartTime(pid) ?? ""}\n${oneLine(command)}\n`;
}

function parseOwner(text: string): Owner | undefined {
  const [pidText = "", startTime = "", command = ""] = text.split("\n").map((line) => line.trim());
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, startTime: startTime || undefined, command: command || undefined };
}

/**
 * This process as the operator typed it, `burrow logs myapp -f`: `npm start` and `npm run burrow`
 * run the CLI with its arguments after the script (scripts/burrow.mjs), as the tests' bundle does.
 */
export function thisCommand(argv = process.argv): string {
  const args = argv.slice(2).map((arg) => (arg === "" || /[\s'"\\]/.test(arg) ? JSON.stringify(arg) : arg));
  return ["burrow", ...args].join(" ");
}

/**
 * Control characters (a newline would end the claim's line, an escape sequence reach a terminal)
 * become "?"; the rest is cut to COMMAND_MAX_CHARS.
 */
function oneLine(command: string): string {
  const plain = command.replace(/\p{Cc}/gu, "?");
  return plain.length > COMMAND_MAX_CHARS ? `${plain.slice(0, COMMAND_MAX_CHARS - 1)}…` : plain;
}

function isSameProcess(owner: Owner): boolean {
  if (!isProcessAlive(owner.pid)) return false;
  const now = processStartTime(owner.pid);
  return owner.startTime === undefined || now === undefined || now === owner.startTime;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}
