/**
 * Every command of `burrow`: what its help says, and the module that runs it. The help is here, not
 * in commands/*.ts, so that listing it loads no command: each command's module is imported only when
 * it runs (a chunk of the bundle), and with it the packages it needs. Importing them all cost every
 * `burrow` process about half a second of CPU before it did anything.
 */
import type { Command } from "./command.ts";
import { JSON_OPTION_HELP } from "./format.ts";

/** `status`'s exit code when nothing runs, as `systemctl status` and LSB init scripts say it. */
export const NOT_RUNNING = 3;

/**
 * `stop`'s default wait: past the relay's own limits (a 10 s drain, 30 s to close tunnels) with room
 * to spare.
 */
export const STOP_DEFAULT_WAIT = "60s";

export const COMMANDS: Command[] = [
  {
    name: "start",
    synopsis: "",
    summary: "Run everything: database (embedded unless DATABASE_URL), migrations, relay and dashboard",
    details: `This is what \`npm start\` runs. Settings come from the environment and .env (see .env.example).
The dashboard is rebuilt first when its sources changed since the last build.
Ctrl-C (or SIGTERM) stops the dashboard, drains the relay and stops the embedded database.`,
    load: () => import("./commands/start.ts").then((m) => m.runStart),
  },
  {
    name: "relay",
    synopsis: "",
    summary: "Run the SSH relay and tunnel HTTP edge only (no dashboard)",
    details: `For running the dashboard elsewhere (e.g. \`next start\` on another host): both need the same
DATABASE_URL and AUTH_SECRET.`,
    load: () => import("./commands/relay.ts").then((m) => m.runRelayCommand),
  },
  {
    name: "status",
    synopsis: "[--json]",
    summary: "Whether Burrow is running here, its relays, tunnels up and accounts",
    details: `Reads the data dir (BURROW_DATA_DIR) and the database; starts and changes nothing: with
the embedded database and no Burrow running, there is no database to read. When the Burrow running
here uses another database than this command's (its embedded one while DATABASE_URL is set, or
another DATABASE_URL), that is said first; so is a database an older Burrow migrated (migrations
pending: run migrate) or a newer one.
"Relay:" names the relay running on the database (the one holding it: pid, machine, address, since
when), or says none does.
Relays are those that reported in the last day (each writes a heartbeat every 10 s; "down" is one
that stopped beating without stopping: crashed, or lost its database).
  --json   all of it as one JSON object (counts are null where the database told nothing)
Exit code: 0 when Burrow runs here or a relay on the database is up (holds it, or beats), ${NOT_RUNNING}
when not.`,
    load: () => import("./commands/status.ts").then((m) => m.runStatus),
  },
  {
    name: "stop",
    synopsis: "[--wait 60s]",
    summary: "Stop the Burrow running on this data dir, as Ctrl-C would, and wait until it has",
    details: `Sends SIGTERM to the \`start\` or \`relay\` that runs with BURROW_DATA_DIR: it lets open
requests finish, closes tunnels (their ssh clients are told why), writes the queued request log and
stops the embedded database. Waits for that up to --wait (default ${STOP_DEFAULT_WAIT}; 90s, 5m…), then
exits 1 naming the pid if it still runs. Nothing running is not an error (exit 0).
Under systemd use systemctl stop burrow instead: systemd would take the exit for a crash to restart.`,
    load: () => import("./commands/stop.ts").then((m) => m.runStop),
  },
  {
    name: "migrate",
    synopsis: "",
    summary: "Apply pending database migrations (start and relay do this too)",
    details: `Applies the migrations this Burrow has and the database lacks, each in one transaction, then
exits; a database a newer Burrow migrated is left as it is. start and relay do the same every time
they start: after checking that no other relay runs on the database, before they serve. Other
commands never upgrade a database an older Burrow migrated: they stop and point here. Stop the
relays running on the database first: an older one does not know what the migrations add.`,
    load: () => import("./commands/migrate.ts").then((m) => m.runMigrate),
  },
  {
    name: "user add",
    synopsis: "<email> [--admin]",
    summary: "Create an account (the first account is an admin)",
    details: `Options:
  --admin   make the account an admin

The password comes from BURROW_PASSWORD, or you are asked for it (twice) when in a terminal.

Example:
  npm run burrow -- user add ann@example.com --admin`,
    load: () => import("./commands/user-add.ts").then((m) => m.runUserAdd),
  },
  {
    name: "user list",
    synopsis: "[--json]",
    summary: "List accounts",
    details: JSON_OPTION_HELP,
    load: () => import("./commands/user-list.ts").then((m) => m.runUserList),
  },
  {
    name: "user password",
    synopsis: "<email>",
    summary: "Set an account's new password (e.g. a forgotten one) and sign it out everywhere",
    details: `The password comes from BURROW_PASSWORD, or you are asked for it (twice) when in a terminal.
Users change their own password on the dashboard's Account page.

Example:
  npm run burrow -- user password ann@example.com`,
    load: () => import("./commands/user-password.ts").then((m) => m.runUserPassword),
  },
  {
    name: "user disable",
    synopsis: "<email>",
    summary: "Disable an account: signs it out, closes its tunnels, refuses its sign-ins and ssh keys",
    details: `Everything stays (names, keys, logs): "user enable" undoes it. The owner's ssh client is told
"closed by an administrator (account disabled)", and burrow-connect stops retrying. The only admin
cannot be disabled: make another account an admin first ("user role <email> admin").

Example:
  npm run burrow -- user disable ann@example.com`,
    load: () => import("./commands/user-disable.ts").then((m) => m.runUserDisable),
  },
  {
    name: "user enable",
    synopsis: "<email>",
    summary: "Enable a disabled account again (its owner signs in again)",
    details: `Example:
  npm run burrow -- user enable ann@example.com`,
    load: () => import("./commands/user-disable.ts").then((m) => m.runUserEnable),
  },
  {
    name: "user role",
    synopsis: "<email> admin|user",
    summary: "Make an account an admin (the dashboard's Admin pages) or a regular user",
    details: `The only admin cannot be made a user: make another account an admin first.

Examples:
  npm run burrow -- user role bob@example.com admin
  npm run burrow -- user role ann@example.com user`,
    load: () => import("./commands/user-role.ts").then((m) => m.runUserRole),
  },
  {
    name: "user delete",
    synopsis: "<email> --yes",
    summary:
      "Delete an account: its names (with their request logs), keys, share links, tunnel history and sign-ins",
    details: `Options:
  --yes   do it; without it, the command only says what would be deleted

Refused while one of the account's tunnels is connected ("user disable" closes them and keeps them
closed), and for the only admin of an instance with other accounts ("user role <email> admin" makes
another). The command waits until the names' request logs are deleted (millions of requests take a
minute or more; stopped meanwhile, the relay goes on with it), and nobody can reserve those names
until then. Users delete their own account on the dashboard's Account page.

Example:
  npm run burrow -- user delete ann@example.com --yes`,
    load: () => import("./commands/user-delete.ts").then((m) => m.runUserDelete),
  },
  {
    name: "key add",
    synopsis: "<email> <public-key-file> [--label TEXT]",
    summary: "Register an SSH public key for an account (- reads stdin)",
    details: `Options:
  --label TEXT   a name for the key (default: the key's comment)

Examples:
  npm run burrow -- key add ann@example.com ~/.ssh/id_ed25519.pub
  cat id_ed25519.pub | npm run burrow -- key add ann@example.com -`,
    load: () => import("./commands/key-add.ts").then((m) => m.runKeyAdd),
  },
  {
    name: "key list",
    synopsis: "<email> [--json]",
    summary: "List an account's SSH keys",
    details: JSON_OPTION_HELP,
    load: () => import("./commands/key-list.ts").then((m) => m.runKeyList),
  },
  {
    name: "key remove",
    synopsis: "<email> <fingerprint|label>",
    summary: "Remove an account's SSH key (a lost laptop) and close the tunnels it opened",
    details: `The key is named by its fingerprint (SHA256:…, as "key list" shows it) or its label. No
--yes: a removed key can be added again. Its open tunnels close at once, each saying why.

Example:
  npm run burrow -- key remove ann@example.com SHA256:3FQ0s1bm0c0xVnq8b0wz8Q3Y3Y1Vf0ZlB7rk2mQhT1c`,
    load: () => import("./commands/key-remove.ts").then((m) => m.runKeyRemove),
  },
  {
    name: "name reserve",
    synopsis: "<email> <name>",
    summary: "Reserve a tunnel name for an account (BURROW_MAX_NAMES applies)",
    details: async (environment) => (await import("./name-reserve-help.ts")).nameReserveHelp(environment),
    load: () => import("./commands/name-reserve.ts").then((m) => m.runNameReserve),
  },
  {
    name: "name release",
    synopsis: "<name> --yes",
    summary: "Release a name and delete its request log, whoever owns it (not while its tunnel is up)",
    details: `Options:
  --yes   do it; without it, the command only says what would be deleted

The name's request logs are deleted with it, so a next owner cannot read them; the command waits
for that (a log of millions of requests takes a minute or more; stopped meanwhile, the relay goes
on with it) and nobody can reserve the name until it is done. A random name (kept for the user it
was given to for good) is freed the same way.

Example:
  npm run burrow -- name release myapp --yes`,
    load: () => import("./commands/name-release.ts").then((m) => m.runNameRelease),
  },
  {
    name: "name disconnect",
    synopsis: "<name> [--reason <text>]",
    summary: "Close a name's tunnel now, whoever owns it (its ssh client is told why)",
    details: `Options:
  --reason <text>   said to the tunnel's owner: "myapp: closed by an administrator (<text>)."

The name stays reserved: its owner can connect again (to stop that: npm run burrow -- user disable
<email>, which keeps the account's tunnels closed, or name release). Waits until the relay has
closed the tunnel.

Example:
  npm run burrow -- name disconnect myapp --reason "abuse report"`,
    load: () => import("./commands/name-disconnect.ts").then((m) => m.runNameDisconnect),
  },
  {
    name: "name list",
    synopsis: "[email] [--json]",
    summary: "List names (all, or one account's) with their live state, random ones still kept too",
    details: `Reserved names first, then the random names the relay still keeps for their users (an
ssh -R 80:… tunnel's, while it is up and BURROW_RANDOM_NAME_HOURS after): KEPT says until when.
Free one early with: npm run burrow -- name release <name>
${JSON_OPTION_HELP}; keptUntil is null while a random name is online`,
    load: () => import("./commands/name-list.ts").then((m) => m.runNameList),
  },
  {
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
  --body TEXT     kept request or response bodies containing TEXT (any case)
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
    load: () => import("./commands/logs.ts").then((m) => m.runLogs),
  },
];
