/**
 * `burrow logs --follow`: prints new requests until Ctrl-C, through database outages and a running
 * Burrow's embedded database moving to another port when it is restarted.
 */
import { isDatabaseUnavailable } from "../../../lib/db/unavailable.ts";
import { createDb, type Db } from "../../../lib/db.ts";
import type { Env } from "../../../lib/env.ts";
import { createLogAnnouncements } from "../../../lib/request-logs/announcements.ts";
import { followRequestLogs } from "../../../lib/request-logs/follow.ts";
import type { RequestLogFilter, RequestLogRow } from "../../../lib/request-logs/query.ts";
import { laterRequestId } from "../../../lib/request-logs/request-id.ts";
import { errorText } from "../../sessions/session-recorder.ts";
import type { CommandContext } from "../command.ts";
import { databaseInUse, explainConnectionError, redact } from "../database.ts";

/** The database `burrow logs` reads and a client on it. */
export interface LogReader {
  url: string;
  db: Db;
}

export function openReader(url: string): LogReader {
  return { url, db: createDb(url, { max: 1, applicationName: "burrow-cli-logs" }) };
}

/**
 * `--follow` until Ctrl-C. followRequestLogs waits out an outage; this says so once, then "Reading
 * the log again.". A running Burrow's embedded PostgreSQL takes a free port each time it starts,
 * so after `burrow stop` and `npm start` the URL read so far is dead for good: when it came from
 * the one a running Burrow published (`moves`: the environment to look with), the follower looks
 * for it again while it cannot read (MoveWatch) and goes on at a new URL that answers, after the
 * last row it printed. DATABASE_URL stays as set, and so does an embedded server this command
 * started itself: no `start` can take the data dir from it (resolveDatabase), and should it stop,
 * it is started again on its port.
 */
export async function followLog(
  context: CommandContext,
  reader: LogReader,
  options: {
    moves: DatabaseEnv | undefined;
    filters: RequestLogFilter;
    shown: RequestLogRow[];
    tailFrom: string | null;
    /** The first listing's requests waiting for the app that it did not print (FollowOptions). */
    waiting: readonly string[];
    print: (row: RequestLogRow) => Promise<void>;
  },
): Promise<void> {
  const interrupted = context.interrupted();
  let stopping = false;
  void interrupted.then(() => {
    stopping = true;
  });
  // Where a follower started again at a new URL goes on from: the newest row printed, and those
  // printed while still open, which it prints again once they close (as followRequestLogs does).
  let newest = options.shown.at(-1);
  const open = new Map(options.shown.flatMap((row) => (row.openState === "open" ? [[row.id, row]] : [])));
  const print = async (row: RequestLogRow) => {
    await options.print(row);
    if (!newest || laterRequestId(newest.id, row.id) === row.id) newest = row;
    if (row.openState === "open") open.set(row.id, row);
    else open.delete(row.id);
  };
  // Those still asked about go on with a follower started again at a new URL.
  let waiting = options.waiting;
  for (;;) {
    const feed = createLogAnnouncements(reader.url);
    const watch = options.moves && new MoveWatch(options.moves, reader.url);
    let moved: LogReader | undefined;
    try {
      ({ waiting } = await followRequestLogs({
        db: reader.db,
        feed,
        filters: options.filters,
        shown: [...[...open.values()].filter((row) => row !== newest), ...(newest ? [newest] : [])],
        tailFrom: options.tailFrom,
        waiting,
        print,
        stopped: Promise.race([interrupted, ...(watch ? [watch.found] : [])]),
        unreadable: (error) => {
          context.note(unreadableNote(error, reader.url));
          watch?.start();
        },
        recovered: () => {
          void watch?.pause();
          context.note("Reading the log again.");
        },
      }));
      if (!stopping) moved = watch?.take();
    } finally {
      await watch?.stop();
      await feed.close();
    }
    if (!moved) return;
    await reader.db.$disconnect();
    reader.url = moved.url;
    reader.db = moved.db;
    context.note("Reading the log again.");
  }
}

type DatabaseEnv = Pick<Env, "DATABASE_URL" | "BURROW_DATA_DIR">;

/** As often as the follower tries the URL it has. */
const MOVE_CHECK_MS = 2_000;

/**
 * Looks every 2 s, from start() to pause() or stop(), at the embedded database a running Burrow
 * published, for one at another URL than `url` that answers; `found` resolves then. It only looks
 * (databaseInUse), never starts a server: while Burrow is stopped, one started here would hold the
 * data dir, and the Burrow starting up would wait for it and fail.
 */
class MoveWatch {
  readonly found: Promise<void>;
  #resolve = () => {};
  #timer: ReturnType<typeof setInterval> | undefined;
  #looking: Promise<void> | undefined;
  #reader: LogReader | undefined;

  constructor(
    private readonly env: DatabaseEnv,
    private readonly url: string,
  ) {
    this.found = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      // A look that failed (the data dir unreadable a moment) is only tried again next time.
      this.#looking ??= this.#look()
        .catch(() => {})
        .finally(() => {
          this.#looking = undefined;
        });
    }, MOVE_CHECK_MS);
  }

  /** Stops looking (the database is back where it was); a look under way is let finish. */
  async pause(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#looking;
  }

  /** The reader on the database found, now the caller's to close. */
  take(): LogReader | undefined {
    const reader = this.#reader;
    this.#reader = undefined;
    return reader;
  }

  /** Stops looking, and closes a reader found and not taken. */
  async stop(): Promise<void> {
    await this.pause();
    await this.take()?.db.$disconnect();
  }

  async #look(): Promise<void> {
    if (this.#reader) return;
    const current = await databaseInUse(this.env);
    if (!current || current.url === this.url || this.#timer === undefined) return;
    const next = openReader(current.url);
    // Published, then gone again (a Burrow that failed to start): looked at next time.
    const answers = await next.db.$queryRaw`SELECT 1`.then(
      () => true,
      () => false,
    );
    if (!answers || this.#timer === undefined) {
      await next.db.$disconnect();
      return;
    }
    this.#reader = next;
    this.#resolve();
  }
}

/**
 * What `--follow` says, once, when it cannot read the log. A database away (stopped, restarting,
 * unreachable) is named as other commands name it, by its URL without the password: Prisma's text
 * ("Raw query failed. Code: `57P01`…") tells an operator nothing they can act on.
 */
export function unreadableNote(error: unknown, url: string): string {
  const explained = explainConnectionError(error, url);
  const problem = isDatabaseUnavailable(error)
    ? `Cannot reach the database at ${redact(url)}: stopped or restarting?`
    : explained !== error
      ? errorText(explained)
      : `Cannot read the log: ${errorText(error)}`;
  return `${problem}${/[.?!]$/.test(problem) ? "" : "."} Trying again every 2 s (Ctrl-C to stop).`;
}
