import { invalidNameMessage, normaliseName } from "../../../lib/names/rules.ts";
import { clearRequestLogSchema } from "../../../lib/request-logs/clear.ts";
import { toExportedRequest, withBodies } from "../../../lib/request-logs/export-format.ts";
import {
  keptBodiesOf,
  newestRequestLogs,
  type RequestLogRow,
  readRequestBodies,
} from "../../../lib/request-logs/query.ts";
import { listRequestLogsForTail } from "../../../lib/request-logs/tail.ts";
import type { CommandContext } from "../command.ts";
import { parseCommandArgs, UsageError } from "../command.ts";
import { explainConnectionError, resolveDatabase, setUpDatabase, withDatabase } from "../database.ts";
import { bodyLines, formatLine, headerLines, LOG_HEADERS, toCells } from "../log-lines.ts";
import {
  FILTER_ARGS,
  FILTER_FLAGS,
  filtersFromOptions,
  hasFilterOptions,
  parseCount,
} from "../log-options.ts";
import { nameKnown, unknownNameError } from "../name-known.ts";
import { deleteLog } from "./logs-delete.ts";
import { followLog, openReader } from "./logs-follow.ts";

/** `burrow logs`; its help and usage line are in ../command-table.ts. */
export async function runLogs(context: CommandContext): Promise<number> {
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
  const limit = parseCount(values.limit, "-n (--limit) takes a whole number from 1 to 200");
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
    const list = (upTo: string | undefined) => newestRequestLogs(reader.db, filters, limit, { upTo });
    // A follow takes the requests waiting for the app with its first lines, to print those it
    // left out once answered.
    const { rows, tailFrom, waiting } = values.follow
      ? await listRequestLogsForTail(reader.db, filters, { view: "follow" }, list)
      : { ...(await list(undefined)), waiting: [] };
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
        waiting,
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
}
