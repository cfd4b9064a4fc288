import { isDatabaseUnavailable } from "../../../lib/db/unavailable.ts";
import { createDb, type Db } from "../../../lib/db.ts";
import type { Env } from "../../../lib/env.ts";
import { invalidNameMessage, normaliseName } from "../../../lib/names/rules.ts";
import { createLogAnnouncements } from "../../../lib/request-logs/announcements.ts";
import { clearRequestLogSchema } from "../../../lib/request-logs/clear.ts";
import { toExportedRequest, withBodies } from "../../../lib/request-logs/export-format.ts";
import { followRequestLogs } from "../../../lib/request-logs/follow.ts";
import type { HeaderPair } from "../../../lib/request-logs/headers.ts";
import {
  keptBodiesOf,
  newestRequestLogs,
  type RequestLogFilter,
  type RequestLogRow,
  readRequestBodies,
} from "../../../lib/request-logs/query.ts";
import { laterRequestId } from "../../../lib/request-logs/request-id.ts";
import { errorText } from "../../sessions/session-recorder.ts";
import { sanitize } from "../../ssh/terminal.ts";
import type { Command, CommandContext } from "../command.ts";
import { parseCommandArgs, UsageError } from "../command.ts";
import {
  databaseInUse,
  explainConnectionError,
  redact,
  resolveDatabase,
  setUpDatabase,
  withDatabase,
} from "../database.ts";
import { bodyLines, formatLine, LOG_HEADERS, toCells } from "../log-lines.ts";
import { FILTER_ARGS, FILTER_FLAGS, filtersFromOptions, hasFilterOptions } from "../log-options.ts";
import { nameKnown, unknownNameError } from "../name-known.ts";
import { deleteLog } from "./logs-delete.ts";

export const logs: Command = {
  name: "logs",
  synopsis:
    "<name> [--limit N] [--follow] [--headers] [--bodies] [--json] [--status 5xx|404] [--method M] [--path TEXT] [--header TEXT] [--body TEXT] [--ip ADDR] [--since D|--from TIME] [--to TIME] | <name> --delete bodies|all [--yes]",
  summary: "Show a tunnel's latest requests; --follow keeps printing new ones",
  details: `Options:
  -n, --limit N   how many of the latest requests to show (1-200, default 20)
  -f, --follow    keep printing new requests as the relay writes them, until Ctrl-C
  --headers       print each request's headers ("> ") and its response's ("< ") under it;
                  credentials show as (hidden), since they are never stored
  --bodies        print each request's kept body ("> ") and its response's ("< ") under it, as
                  text (decompressed) or as "(binary …)", a WebSocket's messages one a line;
                  only names that keep bodies have them. With --json: requestBody and
                  responseBody in each object, as sent ({"encoding":"utf8"|"base64","data":…})
  --json          one JSON object per request and line (headers included), oldest first, for
                  jq or a log store; the dashboard's "JSON lines" download has the same fields
Filters (as in the dashboard's log; with --follow too):
  --status S      a class (2xx, 3xx, 4xx, 5xx) or one status code such as 404
  --method M      one HTTP method, e.g. POST
  --path TEXT     paths containing TEXT (any case)
  --header TEXT   request or response headers containing TEXT in a name or value (any case)
  --body TEXT     kept request or response bodies containing TEXT (ASCII letters in any case)
  --ip ADDR       one visitor's requests (IPv4 or IPv6 address)
  --since D       the last D: 30s, 15m, 2h, 7d
  --from TIME     requests from TIME on: 2026-12-05T14:00Z, or 2026-12-05 14:00 in this
                  machine's time
  --to TIME       requests before TIME (not with --follow)
Deleting (as the dashboard's buttons under the log, for any name):
  --delete bodies empty the kept bodies of the name's requests (the requests stay)
  --delete all    delete the name's whole log as it is now (requests logged since stay); a big
                  one takes a while: the command waits, saying how far it is on stderr, and
                  stopped meanwhile (Ctrl-C), the relay goes on with it
  --yes           do it; without it, the command only says how many requests it would change`,
  async run(context) {
    const { values, positionals } = parseCommandArgs(
      context.args,
      {
        limit: { type: "string", short: "n" },
        follow: { type: "boolean", short: "f" },
        headers: { type: "boolean" },
        bodies: { type: "boolean" },
        json: { type: "boolean" },
        ...FILTER_ARGS,
        delete: { type: "string" },
        yes: { type: "boolean" },
      },
      { required: ["name"] },
    );
    const typed = normaliseName(positionals[0] ?? "");
    const invalid = invalidNameMessage(typed);
    if (invalid) throw new UsageError(invalid);
    if (values.delete !== undefined) {
      const choice = clearRequestLogSchema.safeParse({ what: values.delete });
      if (!choice.success) throw new UsageError("--delete takes bodies or all");
      const shown = (["limit", "follow", "headers", "bodies", "json", ...FILTER_FLAGS] as const)
        .filter((option) => values[option] !== undefined)
        .map((option) => `--${option}`);
      if (shown.length > 0) {
        throw new UsageError(`--delete works on the name's whole log; drop ${shown.join(", ")}`);
      }
      return withDatabase(context.env(), (db) =>
        deleteLog(context, db, typed, choice.data.what, values.yes === true),
      );
    }
    if (values.yes !== undefined) throw new UsageError("--yes goes with --delete");
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
      throw new UsageError("-n (--limit) takes a whole number from 1 to 200");
    }
    const filters = filtersFromOptions(typed, values, Date.now());
    const name = filters.name;
    const database = await resolveDatabase(context.env());
    // Replaced by followLog when a restarted Burrow's database moved; `print` reads through it.
    const reader = openReader(database.url);
    try {
      // As every other command (withDatabase): a database Burrow has not set up yet gets its tables,
      // rather than "relation request_logs does not exist"; one an older Burrow migrated is refused
      // with what to do, not upgraded under its relays.
      await setUpDatabase(database, context.note);
      const { rows, tailFrom } = await newestRequestLogs(reader.db, filters, limit);
      const oldestFirst = rows.reverse();
      // A mistyped name must not read as a quiet one, nor exit 0 for a script: a name is known
      // when it is reserved, was ever a random name (its log may be empty) or has a log.
      if (oldestFirst.length === 0 && !(await nameKnown(reader.db, name))) {
        throw unknownNameError(name);
      }
      const print = async (row: RequestLogRow) => {
        if (values.json) {
          const request = toExportedRequest(row);
          if (!values.bodies) {
            context.out(JSON.stringify(request));
            return;
          }
          const kept = await keptBodiesOf(reader.db, name, row.bodiesKept ? [row.id] : []);
          context.out(JSON.stringify(withBodies(request, kept.get(row.id))));
          return;
        }
        context.out(formatLine(toCells(row)));
        if (values.headers) for (const line of headerLines(row)) context.out(line);
        if (values.bodies && row.bodiesKept) {
          for (const line of await bodyLines(await readRequestBodies(reader.db, name, row.id))) {
            context.out(line);
          }
        }
      };
      const filtered = hasFilterOptions(values);
      // With --json nothing but rows, so the output stays one JSON value per line.
      if (!values.json && oldestFirst.length === 0 && !values.follow) {
        context.out(
          filtered ? `No requests to ${name} match these filters` : `No requests logged for ${name} yet`,
        );
      } else {
        if (!values.json) context.out(formatLine(LOG_HEADERS));
        for (const row of oldestFirst) await print(row);
      }
      if (values.follow) {
        await followLog(context, reader, {
          moves: database.source === "running" ? context.env() : undefined,
          filters,
          shown: oldestFirst,
          tailFrom,
          print,
        });
      }
    } catch (error) {
      throw explainConnectionError(error, reader.url);
    } finally {
      await reader.db.$disconnect();
      await database.release();
    }
    return 0;
  },
};

/** A row's headers as curl -v shows them: "> " sent by the visitor, "< " answered by the app. */
function headerLines(row: RequestLogRow): string[] {
  const lines = (mark: string, headers: HeaderPair[] | null) =>
    (headers ?? []).map(
      ([name, value]) => `    ${mark} ${sanitize(name)}: ${value === null ? "(hidden)" : sanitize(value)}`,
    );
  return [...lines(">", row.requestHeaders), ...lines("<", row.responseHeaders)];
}

/** The database `burrow logs` reads and a client on it. */
interface LogReader {
  url: string;
  db: Db;
}

function openReader(url: string): LogReader {
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
async function followLog(
  context: CommandContext,
  reader: LogReader,
  options: {
    moves: DatabaseEnv | undefined;
    filters: RequestLogFilter;
    shown: RequestLogRow[];
    tailFrom: string | null;
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
  for (;;) {
    const feed = createLogAnnouncements(reader.url);
    const watch = options.moves && new MoveWatch(options.moves, reader.url);
    let moved: LogReader | undefined;
    try {
      await followRequestLogs({
        db: reader.db,
        feed,
        filters: options.filters,
        shown: [...[...open.values()].filter((row) => row !== newest), ...(newest ? [newest] : [])],
        tailFrom: options.tailFrom,
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
      });
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
