import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { ANNOUNCE_SQL } from "../../lib/request-logs/announcements.ts";
import { captureHeaders } from "../../lib/request-logs/headers.ts";
import { createTestDatabase } from "../../lib/testing/db.ts";
import { verifyCredentials } from "../../lib/users/service.ts";
import { commandDetails } from "./command.ts";
import { nameReserve } from "./commands/name-reserve.ts";
import { type CliResult, cliArgs, createCliSandbox, runCli, testEnvironment } from "./testing/run-cli.ts";

const { database, dir, env } = await createCliSandbox("cli", { BURROW_MAX_NAMES: "5" });
const cli = (args: string[], extra: Record<string, string> = {}, input?: string) =>
  runCli(args, { env: { ...env, ...extra }, input });

execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ann@laptop", "-f", join(dir, "id_ann")]);

/** An expected failure: non-zero, exactly one line on stderr, no stack trace. */
function assertOneLineError(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(result.code, 0, `expected failure, stderr: ${result.stderr}`);
  const lines = result.stderr.trimEnd().split("\n");
  assert.match(lines[0] ?? "", pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
}

test("add a user, their key and a name, then list them", async () => {
  const added = await cli(["user", "add", "Ann@Example.com"], { BURROW_PASSWORD: "correct horse battery" });
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /^Created ann@example\.com \(admin\)/);

  const key = await cli(["key", "add", "ann@example.com", join(dir, "id_ann.pub")]);
  assert.equal(key.code, 0, key.stderr);
  const fingerprint = execFileSync("ssh-keygen", ["-lf", join(dir, "id_ann.pub")], {
    encoding: "utf8",
  }).split(" ")[1];
  assert.ok(
    key.stdout.includes(`Added ssh-ed25519 key "ann@laptop" ${fingerprint} to ann@example.com`),
    key.stdout,
  );

  const fromStdin = await cli(
    ["key", "add", "ann@example.com", "-", "--label", "piped"],
    {},
    readFileSync(join(dir, "id_ann.pub"), "utf8"),
  );
  assertOneLineError(
    fromStdin,
    /^burrow key add: This key is already registered to ann@example\.com \(as “ann@laptop”\)$/,
  );

  const name = await cli(["name", "reserve", "ann@example.com", "MyApp"]);
  assert.equal(name.code, 0, name.stderr);
  assert.match(name.stdout, /Reserved myapp for ann@example\.com: http:\/\/myapp\.localhost:8080/);

  const [names, users, keys] = await Promise.all([
    cli(["name", "list"]),
    cli(["user", "list"]),
    cli(["key", "list", "ann@example.com"]),
  ]);
  assert.match(names.stdout, /^NAME\s+OWNER\s+STATE/m);
  assert.match(names.stdout, /^NAME\s+OWNER\s+STATE\s+ACCESS\s+APP HOST\s+BODIES\s+REQUESTS 24H/m);
  assert.match(names.stdout, /^myapp\s+ann@example\.com\s+offline\s+public\s+as sent\s+no\s+0/m);
  assert.match(users.stdout, /^ann@example\.com\s+admin\s+active\s+1\s+1/m);
  // A fingerprint is base64: "+" and "/" must not be read as regex syntax.
  const escaped = (fingerprint ?? "").replace(/[+/]/g, "\\$&");
  assert.match(keys.stdout, new RegExp(`^ann@laptop\\s+ssh-ed25519 256\\s+${escaped}`, "m"));
  // The name's "Host: localhost" setting (made in the dashboard) shows too.
  // So do its allowed networks and whether its log keeps bodies.
  await database.db.reservation.update({
    where: { name: "myapp" },
    data: { hostLocalhost: true, allowedIps: ["203.0.113.0/24", "private"], keepBodies: true },
  });
  const mine = await cli(["name", "list", "ann@example.com"]);
  assert.equal(mine.code, 0, mine.stderr);
  assert.match(
    mine.stdout,
    /^myapp\s+ann@example\.com\s+offline\s+public, 2 networks\s+localhost\s+kept\s+0/m,
  );
});

test("key remove takes a key by fingerprint or label, says which tunnels it closed, and refuses an ambiguous label", async () => {
  const fingerprints: string[] = [];
  for (const file of ["spare_a", "spare_b"]) {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", file, "-f", join(dir, file)]);
    const added = await cli(["key", "add", "ann@example.com", join(dir, `${file}.pub`), "--label", "spare"]);
    assert.equal(added.code, 0, added.stderr);
    fingerprints.push(
      execFileSync("ssh-keygen", ["-lf", join(dir, `${file}.pub`)], { encoding: "utf8" }).split(" ")[1]!,
    );
  }
  assertOneLineError(
    await cli(["key", "remove", "ann@example.com", "Spare"]),
    /^burrow key remove: 2 keys of ann@example\.com are labelled "Spare": give the fingerprint instead \(SHA256:/,
  );
  assertOneLineError(
    await cli(["key", "remove", "ann@example.com", "nothing-like-it"]),
    /^burrow key remove: ann@example\.com has no key with the fingerprint or label "nothing-like-it" \("key list ann@example\.com" shows them\)$/,
  );
  // A lost laptop's key with a tunnel up: removed, and the tunnel named as closed.
  const key = await database.db.sshKey.findFirstOrThrow({ where: { fingerprint: fingerprints[0] } });
  const session = await database.db.tunnelSession.create({
    data: { name: "myapp", userId: key.userId, sshKeyId: key.id, clientIp: "127.0.0.1" },
  });
  const removed = await cli(["key", "remove", "ANN@example.com", fingerprints[0]!.replace(/^SHA256:/, "")]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(
    removed.stdout.trim(),
    `Removed key "spare" ${fingerprints[0]} of ann@example.com; closed its tunnels: myapp`,
  );
  await database.db.tunnelSession.update({ where: { id: session.id }, data: { endedAt: new Date() } });
  // Now the label names one key.
  const byLabel = await cli(["key", "remove", "ann@example.com", "spare"]);
  assert.equal(byLabel.code, 0, byLabel.stderr);
  assert.equal(byLabel.stdout.trim(), `Removed key "spare" ${fingerprints[1]} of ann@example.com`);
  assert.equal(await database.db.sshKey.count({ where: { fingerprint: { in: fingerprints } } }), 0);
  assert.equal(await database.db.sshKey.count({ where: { userId: key.userId } }), 1, "the other key stays");
});

test("each mistake exits non-zero with one specific line", async () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [
      ["user", "add", "not-an-email"],
      { BURROW_PASSWORD: "long enough pw" },
      /email: Enter a valid email address/,
    ],
    [
      ["user", "add", "bob@example.com"],
      { BURROW_PASSWORD: "short" },
      /password: Use at least 10 characters/,
    ],
    [["user", "add", "bob@example.com"], {}, /No password given: set BURROW_PASSWORD/],
    // Said before any password is asked for.
    [["user", "add", "not-an-email"], {}, /email: Enter a valid email address/],
    [
      ["user", "password", "nobody@example.com"],
      { BURROW_PASSWORD: "long enough pw" },
      /No user with the email nobody@example\.com/,
    ],
    // Named as the field, as user add says it (the command's own name ends in "password" too).
    [
      ["user", "password", "ann@example.com"],
      { BURROW_PASSWORD: "short" },
      /^burrow user password: password: Use at least 10 characters$/m,
    ],
    [["user", "password", "nobody@example.com"], {}, /No user with the email nobody@example\.com/],
    [
      ["user", "add", "ANN@example.com"],
      { BURROW_PASSWORD: "correct horse battery" },
      /^burrow user add: ann@example\.com already has an account \(to set its password: npm run burrow -- user password ann@example\.com\)$/,
    ],
    [
      ["key", "add", "ann@example.com", join(dir, "id_ann")],
      {},
      /id_ann is a PRIVATE key.*instead: npm run burrow -- key add ann@example\.com .*id_ann\.pub$/,
    ],
    [["key", "add", "ann@example.com", join(dir, "missing.pub")], {}, /No such file/],
    [
      ["key", "add", "nobody@example.com", join(dir, "id_ann.pub")],
      {},
      /No user with the email nobody@example\.com/,
    ],
    [
      ["name", "reserve", "nobody@example.com", "free-name"],
      {},
      /No user with the email nobody@example\.com/,
    ],
    [["name", "reserve", "ann@example.com", "myapp"], {}, /myapp is already ann@example\.com's/],
    [["name", "reserve", "ann@example.com", "a_b"], {}, /"a_b" is not a valid name: use only letters/],
    // Arguments swapped: the order is said, not "Enter a valid email address" or "No such file".
    [
      ["name", "reserve", "free-name", "ann@example.com"],
      {},
      /^burrow name reserve: the email comes first: name reserve <email> <name> \(see/,
    ],
    [
      ["key", "add", join(dir, "id_ann.pub"), "ann@example.com"],
      {},
      /^burrow key add: the email comes first: key add <email> <public-key-file> \(see/,
    ],
    [["name", "release", "never-reserved"], {}, /never-reserved is not reserved/],
    [
      ["name", "release", "ann@example.com"],
      {},
      /"ann@example.com" is an email: give the name to release \("name list ann@example.com"/,
    ],
    [["frobnicate"], {}, /unknown command "frobnicate"/],
    [["user", "remove", "x"], {}, /unknown command "user remove"/],
    [["user", "add"], {}, /missing <email>/],
    [["logs", "myapp", "--limit", "500"], {}, /-n \(--limit\) takes a whole number from 1 to 200/],
    [
      ["logs", "myapp", "--status", "6xx"],
      {},
      /--status: Use 2xx, 3xx, 4xx or 5xx, or a status code such as 404/,
    ],
    [["logs", "myapp", "--ip", "203.0.113"], {}, /--ip: Use an IPv4 or IPv6 address/],
    [["logs", "myapp", "--since", "an hour"], {}, /--since takes a duration such as 30m, 2h or 7d/],
    [["logs", "myapp", "--from", "yesterday"], {}, /--from takes a date and time such as 2026-12-05T14:00Z/],
    [["logs", "myapp", "--follow", "--to", "2026-12-05T10:00Z"], {}, /drop --to/],
    [["logs", "my_app"], {}, /"my_app" is not a valid name: use only letters/],
    // parseArgs' own errors, in the CLI's words, with where the options are.
    [
      ["name", "list", "--bogus"],
      {},
      /^burrow name list: unknown option --bogus \(see "npm run burrow -- name list --help"\)$/m,
    ],
    [
      ["logs", "myapp", "--delete"],
      {},
      /^burrow logs: --delete needs a value \(see "npm run burrow -- logs --help"\)$/,
    ],
    [["logs", "myapp", "--follow=yes"], {}, /^burrow logs: --follow takes no value \(see/],
    // A word of one dash is no bundle of flags -j -s -o -n: said as typed.
    [["name", "list", "-json"], {}, /^burrow name list: unknown option -json \(see/],
  ];
  const results = await Promise.all(cases.map(([args, extra]) => cli(args, extra)));
  results.forEach((result, i) => {
    const [args, , pattern] = cases[i]!;
    assert.ok(result.code !== 0, `${args.join(" ")} should fail`);
    assertOneLineError(result, pattern);
  });
});

test("exit status: 2 for a mistake in what was typed, 1 for what could not be done", async () => {
  const password = { BURROW_PASSWORD: "long enough pw" };
  const cases: [string[], Record<string, string>, number, RegExp][] = [
    // What was typed cannot be right: the same 2 as an invalid name or an unknown option.
    [["user", "add", "not-an-email"], password, 2, /email: Enter a valid email address/],
    [["user", "add", "bob@example.com"], { BURROW_PASSWORD: "short" }, 2, /password: Use at least 10/],
    [["key", "add", "ann@example.com", join(dir, "id_ann")], {}, 2, /is a PRIVATE key/],
    [["key", "add", "ann@example.com", join(dir, "missing.pub")], {}, 2, /No such file/],
    [["logs", "myapp", "-n", "1e1"], {}, 2, /-n \(--limit\) takes a whole number from 1 to 200/],
    // Could not be done as asked: 1.
    [["user", "password", "nobody@example.com"], password, 1, /No user with the email nobody@example\.com/],
    [["name", "reserve", "ann@example.com", "myapp"], {}, 1, /myapp is already ann@example\.com's/],
    [["logs", "never-logged"], {}, 1, /No name called never-logged/],
  ];
  const results = await Promise.all(cases.map(([args, extra]) => cli(args, extra)));
  results.forEach((result, i) => {
    const [args, , code, pattern] = cases[i]!;
    assertOneLineError(result, pattern);
    assert.equal(result.code, code, `${args.join(" ")}: ${result.stderr}`);
  });
});

test("a mistake is followed by one short usage line: logs' options are not all listed again", async () => {
  const mistake = await cli(["logs", "myapp", "-n", "500"]);
  assert.equal(mistake.code, 2);
  assert.equal(
    mistake.stderr,
    'burrow logs: -n (--limit) takes a whole number from 1 to 200 (see "npm run burrow -- logs --help")\n' +
      "Usage: npm run burrow -- logs <name> [options]\n",
  );
  // A usage line that fits on a line is shown whole.
  const short = await cli(["user", "add"]);
  assert.match(short.stderr, /\nUsage: npm run burrow -- user add <email> \[--admin\]\n$/);
});

test("key add - with nothing on stdin says so, not 'Paste a public key'", async () => {
  const empty = await cli(["key", "add", "ann@example.com", "-"], {}, "");
  assertOneLineError(
    empty,
    /^burrow key add: Nothing came on stdin: pipe the public key in, e\.g\. cat ~\/\.ssh\/id_ed25519\.pub \| npm run burrow -- key add ann@example\.com -$/,
  );
  assert.equal(empty.code, 2);
  assert.doesNotMatch(empty.stderr, /Paste/);
  // An empty file is named as such too.
  writeFileSync(join(dir, "empty.pub"), "");
  const emptyFile = await cli(["key", "add", "ann@example.com", join(dir, "empty.pub")]);
  assertOneLineError(emptyFile, /empty\.pub is empty: give the public key file/);
  assert.equal(emptyFile.code, 2);
});

test("--version and -V print the package's version", async () => {
  const { version } = JSON.parse(
    readFileSync(join(import.meta.dirname, "..", "..", "package.json"), "utf8"),
  ) as {
    version: string;
  };
  for (const flag of ["--version", "-V"]) {
    const result = await cli([flag]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `burrow ${version}\n`);
  }
});

test("a name that cannot be one is a mistake in the call (exit 2) for every command that takes a name", async () => {
  for (const args of [
    ["name", "reserve", "ann@example.com", "a_b"],
    ["name", "release", "a_b", "--yes"],
    ["name", "disconnect", "a_b"],
    ["logs", "a_b"],
  ]) {
    const result = await cli(args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assertOneLineError(result, /"a_b" is not a valid name: use only letters/);
  }
});

test("a name that starts with - is checked as the name, not read as flags; option typos stay unknown options", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["name", "reserve", "carol@example.com", "-abc"],
      /^burrow name reserve: "-abc" is not a valid name: a name cannot start or end with a hyphen \(see/,
    ],
    [
      ["logs", "-abc"],
      /^burrow logs: "-abc" is not a valid name: a name cannot start or end with a hyphen \(see/,
    ],
    [["name", "reserve", "carol@example.com", "--jsn"], /^burrow name reserve: unknown option --jsn \(see/],
    // Both arguments there: the dashed word is an option, and no option of name reserve.
    [
      ["name", "reserve", "carol@example.com", "myapp", "-abc"],
      /^burrow name reserve: unknown option -abc \(see/,
    ],
    [["logs", "myapp", "-fx"], /^burrow logs: unknown option -x \(see/],
    // A value for an option is not taken for the name.
    [
      ["logs", "--path", "-abc"],
      /^burrow logs: --path needs a value; one that starts with - is written --path=-… \(see/,
    ],
    [
      ["logs", "myapp", "-n", "--"],
      /^burrow logs: -n needs a value; one that starts with - is written --limit=-… \(see/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const result = await cli(args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assertOneLineError(result, pattern);
  }
});

test("name reserve --help shows the SSH port of the settings, and a placeholder when they cannot say", async () => {
  // As typed: `help name reserve` on a relay set to 2322.
  const help = await cli(["help", "name", "reserve"], { BURROW_SSH_PORT: "2322" });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /then, as ann: ssh -R myapp:80:localhost:8000 -p 2322 <relay host>$/m);
  const example = (environment: Record<string, string>) =>
    /then, as ann: (.*)$/m.exec(commandDetails(nameReserve, environment) ?? "")?.[1];
  assert.equal(example({}), "ssh -R myapp:80:localhost:8000 -p 2222 <relay host>");
  assert.equal(example({ BURROW_SSH_PORT: "2322" }), "ssh -R myapp:80:localhost:8000 -p 2322 <relay host>");
  // As ssh's default, the summary `start` prints leaves it out too.
  assert.equal(example({ BURROW_SSH_PORT: "22" }), "ssh -R myapp:80:localhost:8000 <relay host>");
  // Another setting wrong: the port is still right (help must work while .env is being fixed).
  assert.equal(
    example({ BURROW_SSH_PORT: "2322", BURROW_HTTP_PORT: "eighty", DATABASE_URL: "mysql://x" }),
    "ssh -R myapp:80:localhost:8000 -p 2322 <relay host>",
  );
  // Left empty in .env: unset, the default, as loadEnv has it.
  assert.equal(example({ BURROW_SSH_PORT: "" }), "ssh -R myapp:80:localhost:8000 -p 2222 <relay host>");
  // The app's port is not one Burrow listens on itself (as the relay's examples and the dashboard).
  assert.equal(example({ BURROW_HTTP_PORT: "8000" }), "ssh -R myapp:80:localhost:8001 -p 2222 <relay host>");
  assert.equal(
    example({ PORT: "8000", BURROW_HTTP_PORT: "8001" }),
    "ssh -R myapp:80:localhost:8002 -p 2222 <relay host>",
  );
  // A port that is no port, or 0 (a free one each start): nothing to show but where it is set.
  for (const port of ["99999", "abc", "0"]) {
    assert.equal(
      example({ BURROW_SSH_PORT: port }),
      "ssh -R myapp:80:localhost:8000 -p <BURROW_SSH_PORT> <relay host>",
      port,
    );
  }
});

test("Ctrl-C at the password prompt stops the command with exit 130, creating nothing", async () => {
  // A terminal of its own (util-linux script), since the prompt refuses to read a pipe.
  const command = [process.execPath, ...cliArgs(["user", "add", "ctrl-c@example.com"])]
    .map((word) => `'${word}'`)
    .join(" ");
  const child = spawn("script", ["-qec", command, "/dev/null"], {
    env: testEnvironment(env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  const prompted = new Promise<void>((resolve) => {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      if (output.includes("Password (at least 10 characters): ")) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  await prompted;
  child.stdin.write("half a pass\u0003");
  assert.equal(await exited, 130, output);
  assert.match(output, /burrow user add: Cancelled/);
  assert.equal(await database.db.user.count({ where: { email: "ctrl-c@example.com" } }), 0);
});

test("user password sets a new password for a forgotten one", async () => {
  const result = await cli(["user", "password", "ANN@example.com"], {
    BURROW_PASSWORD: "a fresh passphrase",
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout.trim(),
    "New password set for ann@example.com; their dashboard sessions were signed out",
  );
  assert.ok(await verifyCredentials(database.db, "ann@example.com", "a fresh passphrase"));
  assert.equal(await verifyCredentials(database.db, "ann@example.com", "correct horse battery"), null);
});

test("user delete says what it would delete, refuses under a live tunnel, then deletes with --yes", async () => {
  const added = await cli(["user", "add", "leaving@example.com"], {
    BURROW_PASSWORD: "correct horse battery",
  });
  assert.equal(added.code, 0, added.stderr);
  const user = await database.db.user.findUniqueOrThrow({ where: { email: "leaving@example.com" } });
  await database.db.reservation.create({ data: { name: "leaving-app", userId: user.id } });
  await database.db.requestLog.create({
    data: {
      name: "leaving-app",
      method: "GET",
      path: "/",
      status: 200,
      durationMs: 1,
      clientIp: "203.0.113.1",
    },
  });

  // Without --yes: what would go, and nothing goes.
  assertOneLineError(
    await cli(["user", "delete", "LEAVING@example.com"]),
    /this deletes leaving@example\.com with the name leaving-app \(and its request logs\), its keys.*tunnel history.*random-name tunnels.*Run again with --yes/,
  );
  // An account without names: no "with no names (and their request logs)".
  assertOneLineError(
    await cli(["user", "delete", "ann@example.com"]),
    /this deletes ann@example\.com with the names? .*\(and (its|their) request logs\), its keys/,
  );
  const nameless = await cli(["user", "add", "nameless@example.com"], {
    BURROW_PASSWORD: "correct horse battery",
  });
  assert.equal(nameless.code, 0, nameless.stderr);
  assertOneLineError(
    await cli(["user", "delete", "nameless@example.com"]),
    /^burrow user delete: this deletes nameless@example\.com, its keys, share links, tunnel history, sign-ins and the request logs of its random-name tunnels\. Run again with --yes to do it\.$/,
  );
  assert.ok(await database.db.user.findUnique({ where: { id: user.id } }));

  const session = await database.db.tunnelSession.create({
    data: { name: "leaving-app", userId: user.id, clientIp: "127.0.0.1" },
  });
  assertOneLineError(
    await cli(["user", "delete", "leaving@example.com", "--yes"]),
    /leaving-app of leaving@example\.com is connected right now: stop its tunnel first/,
  );
  await database.db.tunnelSession.update({ where: { id: session.id }, data: { endedAt: new Date() } });

  const deleted = await cli(["user", "delete", "leaving@example.com", "--yes"]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.stdout.trim(), "Deleted leaving@example.com; released leaving-app");
  assert.equal(await database.db.user.count({ where: { email: "leaving@example.com" } }), 0);
  assert.equal(await database.db.requestLog.count({ where: { name: "leaving-app" } }), 0);
  assertOneLineError(await cli(["user", "delete", "leaving@example.com", "--yes"]), /No user with the email/);
});

test("a bad setting is one line naming it", async () => {
  const result = await cli(["user", "list"], { BURROW_SSH_PORT: "99999" });
  assertOneLineError(result, /Invalid configuration: BURROW_SSH_PORT/);
});

test("--help works for the program, groups and commands", async () => {
  const [top, group, command] = await Promise.all([
    cli(["--help"]),
    cli(["name", "--help"]),
    cli(["logs", "--help"]),
  ]);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /user add <email> \[--admin\]/);
  // A long synopsis does not push every summary off the screen: logs folds its options.
  assert.match(top.stdout, /^ {2}logs <name> \[options\] +Show a tunnel's latest requests/m);
  assert.match(top.stdout, /^ {2}user list \[--json\] +List accounts$/m);
  const widest = Math.max(...top.stdout.split("\n").map((line) => line.length));
  assert.ok(widest <= 160, `a line of ${widest} characters`);
  assert.match(group.stdout, /^Usage: npm run burrow -- name <command> \[options\]\n/);
  assert.match(group.stdout, /name reserve <email> <name>/);
  assert.equal(command.code, 0);
  assert.match(command.stdout, /--follow/);
  // `help <command>` as git and npm have it, not the whole list again.
  const [helpCommand, helpGroup, helpUnknown] = await Promise.all([
    cli(["help", "logs"]),
    cli(["help", "user"]),
    cli(["help", "frob"]),
  ]);
  assert.equal(helpCommand.code, 0);
  assert.equal(helpCommand.stdout, command.stdout);
  assert.equal(helpGroup.code, 0);
  assert.match(helpGroup.stdout, /^Usage: npm run burrow -- user <command> \[options\]\n/);
  assertOneLineError(helpUnknown, /unknown command "frob"/);
  // The relay applies migrations as it starts, as start does.
  assert.match((await cli(["migrate", "--help"])).stdout, /\(start and relay do this too\)/);
});

test("a name is not released while its tunnel is connected", async () => {
  const user = await database.db.user.findUniqueOrThrow({ where: { email: "ann@example.com" } });
  await database.db.reservation.create({ data: { name: "busy", userId: user.id } });
  const session = await database.db.tunnelSession.create({
    data: { name: "busy", userId: user.id, clientIp: "127.0.0.1" },
  });
  assertOneLineError(
    await cli(["name", "release", "busy", "--yes"]),
    /busy is connected right now: .* \(npm run burrow -- name disconnect busy\)$/,
  );
  await database.db.tunnelSession.update({ where: { id: session.id }, data: { endedAt: new Date() } });
  await database.db.requestLog.create({
    data: { name: "busy", method: "GET", path: "/", status: 200, durationMs: 1, clientIp: "203.0.113.1" },
  });
  // Without --yes, as `user delete`: what would go, and nothing goes.
  assertOneLineError(
    await cli(["name", "release", "BUSY"]),
    /^burrow name release: this releases busy \(of ann@example\.com\) and deletes its 1 logged request\. Run again with --yes to do it\.$/,
  );
  assert.equal(await database.db.reservation.count({ where: { name: "busy" } }), 1);
  assert.equal(await database.db.requestLog.count({ where: { name: "busy" } }), 1);
  const released = await cli(["name", "release", "busy", "--yes"]);
  assert.equal(released.code, 0, released.stderr);
  assert.match(released.stdout, /Released busy/);
  assert.equal(await database.db.requestLog.count({ where: { name: "busy" } }), 0);
});

test("logs prints the latest requests, and --follow prints new ones until Ctrl-C", async () => {
  const row = { name: "myapp", durationMs: 12.5, clientIp: "203.0.113.9" };
  await database.db.requestLog.createMany({
    data: [
      // Three hours ago, for the time window options.
      {
        ...row,
        method: "GET",
        path: "/first",
        status: 200,
        bytesOut: 2048n,
        at: new Date(Date.now() - 3 * 3_600_000),
      },
      { ...row, method: "POST", path: "/second", status: 502, error: "local_unreachable" },
      {
        ...row,
        method: "GET",
        path: "/locked",
        status: 401,
        admission: "DENIED",
        accessPage: "password_wrong",
      },
    ],
  });
  const shown = await cli(["logs", "myapp", "--limit", "2"]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^TIME\s+METHOD\s+PATH\s+STATUS\s+DURATION\s+SIZE\s+NOTE\s+CLIENT IP/);
  assert.match(shown.stdout, /POST\s+\/second\s+502\s+13 ms\s+0 B out\s+local_unreachable\s+203\.0\.113\.9/);
  assert.match(shown.stdout, /GET\s+\/locked\s+401\s+13 ms\s+0 B out\s+password_wrong\s+203\.0\.113\.9/);
  assert.doesNotMatch(shown.stdout, /\/first/, "--limit 2 shows the latest only");
  assert.match((await cli(["logs", "myapp"])).stdout, /GET\s+\/first\s+200\s+13 ms\s+2\.0 kB out/);
  // The dashboard's filters: only the 5xx row, only one visitor's, or none.
  const failed = await cli(["logs", "myapp", "--status", "5xx"]);
  assert.match(failed.stdout, /\/second/);
  assert.doesNotMatch(failed.stdout, /\/first|\/locked/);
  const exact = await cli(["logs", "myapp", "--status", "401"]);
  assert.match(exact.stdout, /\/locked/);
  assert.doesNotMatch(exact.stdout, /\/first|\/second/, "one code, not its class");
  // A time window: the last hour, from a time on, or up to one.
  const lastHour = await cli(["logs", "myapp", "--since", "1h"]);
  assert.match(lastHour.stdout, /\/second/);
  assert.doesNotMatch(lastHour.stdout, /\/first/);
  const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString();
  assert.doesNotMatch((await cli(["logs", "myapp", "--from", twoHoursAgo])).stdout, /\/first/);
  const before = await cli(["logs", "myapp", "--to", twoHoursAgo]);
  assert.match(before.stdout, /\/first/);
  assert.doesNotMatch(before.stdout, /\/second|\/locked/);
  assert.match(
    (await cli(["logs", "myapp", "--since", "30m", "--path", "/first"])).stdout,
    /No requests to myapp match these filters/,
  );
  const visitor = await cli(["logs", "myapp", "--ip", "203.0.113.9", "--method", "get", "--path", "LOCK"]);
  assert.match(visitor.stdout, /\/locked/);
  assert.doesNotMatch(visitor.stdout, /\/first|\/second/);
  const nobody = await cli(["logs", "myapp", "--ip", "198.51.100.1"]);
  assert.equal(nobody.code, 0, nobody.stderr);
  assert.match(nobody.stdout, /No requests to myapp match these filters/);
  // A name typed wrong is told apart from a quiet one.
  assert.equal((await cli(["name", "reserve", "ann@example.com", "quiet-app"])).code, 0);
  assert.match((await cli(["logs", "Quiet-App"])).stdout, /^No requests logged for quiet-app yet$/m);
  // Exit 1, for a script too; also with filters or --json, which would otherwise say nothing.
  for (const args of [
    ["logs", "myap"],
    ["logs", "myap", "--status", "5xx"],
    ["logs", "myap", "--json"],
  ]) {
    const typo = await cli(args);
    assertOneLineError(typo, /^burrow logs: No name called myap \(name list shows the names\)$/);
    assert.equal(typo.code, 1);
    assert.equal(typo.stdout, "");
  }

  // --headers: both lists under their request, credentials hidden, nothing a terminal would obey.
  await database.db.requestLog.create({
    data: {
      ...row,
      name: "inspected",
      method: "GET",
      path: "/\u001b[2Jwiped",
      status: 200,
      requestHeaders: captureHeaders([
        "Host",
        "inspected.example.com",
        "Cookie",
        "sid=1",
        "X-Evil",
        "\u009b31mred",
      ]),
      responseHeaders: captureHeaders(["Content-Type", "text/html"]),
    },
  });
  // --header finds a row by a header's name or value.
  assert.match((await cli(["logs", "inspected", "--header", "x-evil"])).stdout, /wiped/);
  assert.match(
    (await cli(["logs", "inspected", "--header", "x-not-sent"])).stdout,
    /No requests to inspected match these filters/,
  );
  const withHeaders = await cli(["logs", "inspected", "--headers"]);
  assert.equal(withHeaders.code, 0, withHeaders.stderr);
  const lines = withHeaders.stdout.trimEnd().split("\n");
  assert.match(lines[1] ?? "", /GET\s+\/\?\[2Jwiped\s+200/);
  assert.deepEqual(lines.slice(2), [
    "    > Host: inspected.example.com",
    "    > Cookie: (hidden)",
    "    > X-Evil: \\x9B31mred",
    "    < Content-Type: text/html",
  ]);
  assert.ok(
    !withHeaders.stdout.includes("\u001b") && !withHeaders.stdout.includes("\u009b"),
    "no ESC or CSI",
  );

  // --json: one object per line, nothing else; text a terminal would obey stays escaped in JSON.
  const json = await cli(["logs", "inspected", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const jsonLines = json.stdout.trimEnd().split("\n");
  assert.equal(jsonLines.length, 1);
  const exported = JSON.parse(jsonLines[0]!);
  assert.equal(exported.path, "/\u001b[2Jwiped");
  assert.deepEqual(exported.requestHeaders[1], ["Cookie", null]);
  assert.ok(!json.stdout.includes("\u001b"), "ESC only as JSON's escape");
  const failedJson = await cli(["logs", "myapp", "--json", "--status", "5xx"]);
  assert.deepEqual(
    failedJson.stdout
      .trimEnd()
      .split("\n")
      .map((line) => {
        const { method, path, status, answeredByRelay } = JSON.parse(line);
        return { method, path, status, answeredByRelay };
      }),
    [{ method: "POST", path: "/second", status: 502, answeredByRelay: "local_unreachable" }],
  );
  assert.equal(
    (await cli(["logs", "myapp", "--json", "--ip", "198.51.100.1"])).stdout,
    "",
    "no rows, no text",
  );

  // --body finds requests by their kept bodies; --bodies prints them, decompressed, control
  // characters replaced, binary described.
  await database.db.requestLog.createMany({
    data: [
      {
        ...row,
        name: "hooks",
        method: "POST",
        path: "/webhook",
        status: 200,
        bytesIn: 31n,
        bytesOut: BigInt(gzipSync("thanks\n\u007f[31m").length),
        responseHeaders: captureHeaders(["Content-Encoding", "gzip"]),
        requestBody: new Uint8Array(Buffer.from('{"event":"paid","order":"A-42"}')),
        responseBody: new Uint8Array(gzipSync("thanks\n\u007f[31m")),
      },
      {
        ...row,
        name: "hooks",
        method: "POST",
        path: "/upload",
        status: 200,
        bytesIn: 4n,
        requestBody: new Uint8Array([0, 0xff, 1, 2]),
        responseBody: new Uint8Array(0),
      },
      { ...row, name: "hooks", method: "GET", path: "/plain", status: 200 },
    ],
  });
  const paid = await cli(["logs", "hooks", "--body", 'ORDER":"a-42', "--bodies"]);
  assert.equal(paid.code, 0, paid.stderr);
  assert.deepEqual(paid.stdout.trimEnd().split("\n").slice(1), [
    paid.stdout.trimEnd().split("\n")[1],
    '    > {"event":"paid","order":"A-42"}',
    "    < thanks",
    "    < ?[31m",
  ]);
  assert.match(paid.stdout.split("\n")[1] ?? "", /POST\s+\/webhook\s+200/);
  const all = await cli(["logs", "Hooks", "--bodies"]);
  assert.match(all.stdout, /POST\s+\/upload\s+200.*\n {4}> \(binary, 4 B\)\n.*GET\s+\/plain/);
  assert.match(
    (await cli(["logs", "hooks", "--body", "nowhere"])).stdout,
    /No requests to hooks match these filters/,
  );
  // --json --bodies: each object carries its bodies as sent, text as text, other bytes as base64.
  const withBodies = await cli(["logs", "hooks", "--json", "--bodies"]);
  assert.equal(withBodies.code, 0, withBodies.stderr);
  const objects = withBodies.stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const byPath = new Map(objects.map((o) => [o.path, o]));
  assert.deepEqual(byPath.get("/webhook")?.requestBody, {
    encoding: "utf8",
    data: '{"event":"paid","order":"A-42"}',
  });
  assert.deepEqual(byPath.get("/webhook")?.responseBody, {
    encoding: "base64",
    data: gzipSync("thanks\n\u007f[31m").toString("base64"),
  });
  assert.deepEqual(byPath.get("/upload")?.requestBody, { encoding: "base64", data: "AP8BAg==" });
  assert.deepEqual(byPath.get("/upload")?.responseBody, { encoding: "utf8", data: "" });
  assert.equal(byPath.get("/plain")?.requestBody, null);
  assert.equal(byPath.get("/plain")?.responseBody, null);
  // A WebSocket's kept frames print as its messages, one a line: the visitor's (masked), the app's.
  const masked = (text: string) => Buffer.from([0x81, 0x80 | text.length, 0, 0, 0, 0, ...Buffer.from(text)]); // a zero mask
  const closeFrame = Buffer.from([0x88, 0x05, 0x03, 0xe8, ...Buffer.from("bye")]);
  await database.db.requestLog.create({
    data: {
      ...row,
      name: "hooks",
      method: "GET",
      path: "/live",
      status: 101,
      upgrade: true,
      bytesIn: 20n,
      bytesOut: 20n,
      requestHeaders: captureHeaders(["Upgrade", "websocket"]),
      requestBody: new Uint8Array(masked("hello\u001b[2J")),
      responseBody: new Uint8Array(Buffer.concat([Buffer.from([0x82, 0x02, 0xca, 0xfe]), closeFrame])),
    },
  });
  const live = await cli(["logs", "hooks", "--path", "/live", "--bodies"]);
  assert.deepEqual(live.stdout.trimEnd().split("\n").slice(2), [
    "    > text: hello?[2J",
    "    < binary: (2 B) cafe",
    "    < close 1000: bye",
  ]);
  // Dated by the relay: both sides in the order they were sent, with their times.
  const question = masked("ping?");
  await database.db.requestLog.create({
    data: {
      ...row,
      name: "hooks",
      method: "GET",
      path: "/timed",
      status: 101,
      upgrade: true,
      requestHeaders: captureHeaders(["Upgrade", "websocket"]),
      requestBody: new Uint8Array(Buffer.concat([question, masked("thanks")])),
      responseBody: new Uint8Array(Buffer.from([0x81, 0x05, ...Buffer.from("pong!")])),
      frameTimes: JSON.stringify({ visitor: [0, 0.2, question.length, 1520.4], app: [0, 3.1] }),
    },
  });
  const timed = await cli(["logs", "hooks", "--path", "/timed", "--bodies"]);
  assert.deepEqual(timed.stdout.trimEnd().split("\n").slice(2), [
    "    > +0.000s text: ping?",
    "    < +0.003s text: pong!",
    "    > +1.520s text: thanks",
  ]);
  const timedJson = JSON.parse(
    (await cli(["logs", "hooks", "--path", "/timed", "--json", "--bodies"])).stdout,
  );
  assert.deepEqual(timedJson.frameTimes, { visitor: [0, 0.2, question.length, 1520.4], app: [0, 3.1] });

  const child = spawn(process.execPath, cliArgs(["logs", "myapp", "--follow"]), {
    env: testEnvironment(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  await waitFor(() => out.includes("/second"));
  // As the relay's log writer does: the row, then its announcement. --follow prints it at once,
  // not at its 30 s safety poll.
  await database.db.requestLog.create({ data: { ...row, method: "DELETE", path: "/third", status: 204 } });
  await database.db.$executeRawUnsafe(ANNOUNCE_SQL, ["myapp"]);
  await waitFor(() => out.includes("/third"), 10_000);
  // A WebSocket is printed when it opens, and again once the relay has written its end.
  const owner = await database.db.user.create({
    data: { email: "follow-open@example.com", passwordHash: "x" },
  });
  const session = await database.db.tunnelSession.create({
    data: { name: "myapp", userId: owner.id, clientIp: "203.0.113.9" },
  });
  const socket = await database.db.requestLog.create({
    data: {
      ...row,
      method: "GET",
      path: "/socket",
      status: 101,
      upgrade: true,
      open: true,
      streamKey: "k1",
      sessionId: session.id,
    },
  });
  await database.db.$executeRawUnsafe(ANNOUNCE_SQL, ["myapp"]);
  await waitFor(() => out.includes("/socket"), 10_000);
  assert.match(out, /GET \(ws\)\s+\/socket\s+101\s+open\s+-\s+203\.0\.113\.9/);
  await database.db.requestLog.update({
    where: { id: socket.id },
    data: { open: false, streamKey: null, durationMs: 65_000, bytesOut: 4096n },
  });
  await database.db.$executeRawUnsafe(ANNOUNCE_SQL, ["myapp"]);
  await waitFor(() => out.match(/\/socket/g)?.length === 2, 10_000);
  assert.match(out, /GET \(ws\)\s+\/socket\s+101\s+65\.0 s\s+4\.1 kB/);
  child.kill("SIGINT");
  assert.equal(await exited, 0);
  assert.match(out, /DELETE\s+\/third\s+204/);
});

test("logs --follow into a reader that stops (| head -3) ends quietly at the next request", async () => {
  const row = { name: "piped", method: "GET", status: 200, durationMs: 1, clientIp: "203.0.113.9" };
  await database.db.requestLog.create({ data: { ...row, path: "/before" } });
  const child = spawn(process.execPath, cliArgs(["logs", "piped", "--follow"]), {
    env: testEnvironment(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  await waitFor(() => out.includes("/before"));
  // head has its lines and exits: the pipe's reading end is gone.
  child.stdout.destroy();
  await database.db.requestLog.create({ data: { ...row, path: "/after" } });
  await database.db.$executeRawUnsafe(ANNOUNCE_SQL, ["piped"]);
  const code = await Promise.race([
    exited,
    new Promise<string>((resolve) => setTimeout(() => resolve("still running"), 15_000)),
  ]);
  if (code === "still running") child.kill("SIGKILL");
  assert.equal(code, 0, stderr);
  assert.equal(stderr, "", "no EPIPE stack trace");
});

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("logs --bodies shows a form upload's parts: fields with their values, files by name, type and size", async () => {
  const form = new FormData();
  form.append("title", "Holiday photos");
  form.append("photo", new File([new Uint8Array(2000)], "beach.png", { type: "image/png" }));
  const request = new Request("http://app.test/upload", { method: "POST", body: form });
  const body = Buffer.from(await request.arrayBuffer());
  await database.db.requestLog.create({
    data: {
      name: "forms",
      method: "POST",
      path: "/upload",
      status: 200,
      durationMs: 3,
      clientIp: "203.0.113.9",
      bytesIn: BigInt(body.length),
      requestHeaders: captureHeaders(["Content-Type", request.headers.get("content-type")!]),
      requestBody: new Uint8Array(body),
    },
  });
  const shown = await cli(["logs", "forms", "--bodies"]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.deepEqual(shown.stdout.trimEnd().split("\n").slice(2), [
    "    > title: Holiday photos",
    "    > photo: beach.png (image/png, 2.0 kB)",
  ]);
});

test("logs --delete empties a name's kept bodies or deletes its log, only with --yes", async () => {
  const kept = { requestBody: new Uint8Array(Buffer.from("card=4111")), responseBody: new Uint8Array(0) };
  const base = { name: "purged", method: "POST", status: 200, durationMs: 3, clientIp: "203.0.113.9" };
  await database.db.requestLog.createMany({
    data: [
      { ...base, path: "/pay", ...kept },
      { ...base, path: "/pay/again", ...kept },
      { ...base, path: "/plain" },
      { ...base, name: "other-log", path: "/pay", ...kept },
    ],
  });
  const countKept = (name: string) =>
    database.db.requestLog.count({ where: { name, requestBody: { not: null } } });
  const dry = await cli(["logs", "purged", "--delete", "bodies"]);
  assert.equal(dry.code, 1);
  assert.match(
    dry.stderr,
    /this empties the bodies of 2 requests with kept bodies of purged\. Run again with --yes/,
  );
  assert.equal(await countKept("purged"), 2, "nothing changed without --yes");
  const done = await cli(["logs", "Purged", "--delete", "bodies", "--yes"]);
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /Deleted the kept bodies of 2 requests of purged \(the requests stay\)/);
  assert.equal(await countKept("purged"), 0);
  assert.equal(await database.db.requestLog.count({ where: { name: "purged" } }), 3);
  assert.equal(await countKept("other-log"), 1, "another name's bodies stay");
  assert.match(
    (await cli(["logs", "purged", "--delete", "bodies", "--yes"])).stdout,
    /No request to purged has a kept body/,
  );
  const all = await cli(["logs", "purged", "--delete", "all", "--yes"]);
  assert.match(all.stdout, /Deleted 3 requests of purged/);
  assert.equal(await database.db.requestLog.count({ where: { name: "purged" } }), 0);
  assert.equal(await database.db.requestLog.count({ where: { name: "other-log" } }), 1);
  for (const [args, pattern] of [
    [["logs", "purged", "--delete", "some"], /--delete takes bodies or all/],
    [["logs", "purged", "--delete", "all", "--follow", "--json"], /drop --follow, --json/],
    [["logs", "purged", "--yes"], /--yes goes with --delete/],
  ] as const) {
    const refused = await cli([...args]);
    assert.ok(refused.code !== 0, args.join(" "));
    assertOneLineError(refused, pattern);
  }
  // A mistyped name is not "nothing to delete, done" (exit 0): a script would take it for done.
  for (const args of [
    ["logs", "other-lg", "--delete", "all", "--yes"],
    ["logs", "other-lg", "--delete", "bodies"],
  ]) {
    const typo = await cli(args);
    assert.equal(typo.code, 1, args.join(" "));
    assertOneLineError(typo, /^burrow logs: No name called other-lg \(name list shows the names\)$/);
  }
  assert.equal(await countKept("other-log"), 1);
});

test("logs --delete all --yes and name release --yes wait for a big log's deletion, saying how far it is on stderr", async () => {
  const { db } = database;
  const owner = await db.user.findFirstOrThrow({ where: { email: "ann@example.com" } });
  await db.reservation.create({ data: { name: "huge-log", userId: owner.id } });
  for (const name of ["huge-log", "huge-release"]) {
    if (name === "huge-release") await db.reservation.create({ data: { name, userId: owner.id } });
    await db.$executeRaw`
      INSERT INTO request_logs (name, method, path, status, duration_ms, client_ip)
      SELECT ${name}, 'GET', '/r/' || g, 200, 1, '203.0.113.9' FROM generate_series(1, 30000) AS g`;
  }
  // A row of each log held (a busy database): the deletion stops there, after two batches, until
  // the command has had time to say how far it is.
  const heldUp = async (name: string, command: () => Promise<CliResult>) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query("BEGIN");
    await client.query(
      `SELECT id FROM request_logs
       WHERE id = (SELECT id FROM request_logs WHERE name = $1 ORDER BY id OFFSET 12000 LIMIT 1) FOR UPDATE`,
      [name],
    );
    const running = command();
    for (
      let i = 0;
      i < 300 && (await db.logDeletion.findUnique({ where: { name } }))?.deleted !== 10_000;
      i++
    ) {
      await sleep(100);
    }
    await sleep(2_500);
    await client.query("ROLLBACK");
    await client.end();
    return running;
  };
  const dry = await cli(["logs", "huge-log", "--delete", "all"]);
  assert.match(dry.stderr, /this deletes 30000 requests of huge-log\. Run again with --yes/);
  const deleted = await heldUp("huge-log", () => cli(["logs", "huge-log", "--delete", "all", "--yes"]));
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.match(deleted.stderr, /^burrow logs: deleting the log of huge-log: 10,000 of 30,000 requests…$/m);
  assert.match(deleted.stdout, /^Deleted 30000 requests of huge-log$/m);
  assert.equal(await db.requestLog.count({ where: { name: "huge-log" } }), 0);

  const released = await heldUp("huge-release", () => cli(["name", "release", "huge-release", "--yes"]));
  assert.equal(released.code, 0, released.stderr);
  assert.match(
    released.stderr,
    /^burrow name release: deleting the log of huge-release: 10,000 of 30,000 requests…$/m,
  );
  assert.match(released.stdout, /^Released huge-release$/m);
  assert.equal(await db.requestLog.count({ where: { name: "huge-release" } }), 0);
});

test("logs on a database Burrow has not set up yet answers like any command, not with a stack trace", async () => {
  const fresh = await createTestDatabase("cli-fresh", undefined, { migrate: false });
  try {
    const result = await cli(["logs", "someapp"], { DATABASE_URL: fresh.url });
    assertOneLineError(result, /^burrow logs: No name called someapp \(name list shows the names\)$/);
  } finally {
    await fresh.drop();
  }
});

test("a database that cannot be used is named in one line, with PostgreSQL's reason", async () => {
  const url = new URL(database.url);
  const elsewhere = (change: (u: URL) => void) => {
    const copy = new URL(url);
    change(copy);
    return copy.toString();
  };
  const unreachable = elsewhere((u) => {
    u.port = "1";
  });
  assertOneLineError(
    await cli(["user", "list"], { DATABASE_URL: unreachable }),
    /^burrow user list: Cannot reach the database at postgres(ql)?:\/\/[^ ]*127\.0\.0\.1:1\/[^ ]*: is PostgreSQL running\?$/,
  );
  const unknownRole = elsewhere((u) => {
    u.username = "no_such_burrow_role";
    u.password = "not-the-password";
  });
  // A server that trusts local connections names the role; one that asks for a password (the
  // embedded server) does not say whether the role exists.
  const refusedLogin =
    /refused us: (role "no_such_burrow_role" does not exist|password authentication failed for user "no_such_burrow_role")$/;
  assertOneLineError(
    await cli(["user", "list"], { DATABASE_URL: unknownRole }),
    new RegExp(`^burrow user list: The database at .*${refusedLogin.source}`),
  );
  assertOneLineError(await cli(["migrate"], { DATABASE_URL: unknownRole }), refusedLogin);
  const unknownDatabase = elsewhere((u) => {
    u.pathname = "/no_such_burrow_database";
  });
  assertOneLineError(
    await cli(["user", "list"], { DATABASE_URL: unknownDatabase }),
    /refused us: database "no_such_burrow_database" does not exist$/,
  );
});

test("key list shows a label's control characters as ?; key add refuses them, and says when a file holds two keys", async () => {
  const added = await cli(["user", "add", "lab@example.com"], { BURROW_PASSWORD: "correct horse battery" });
  assert.equal(added.code, 0, added.stderr);
  // The comment becomes the label: an escape sequence there (or typed on the dashboard) reached the
  // admin's terminal through key list, and a newline broke its table.
  const key = join(dir, "id_escape");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "x\u001b[2Jwiped", "-f", key]);
  const keyAdded = await cli(["key", "add", "lab@example.com", `${key}.pub`]);
  assert.equal(keyAdded.code, 0, keyAdded.stderr);
  assert.ok(!keyAdded.stdout.includes("\u001b"), keyAdded.stdout);
  const listed = await cli(["key", "list", "lab@example.com"]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.ok(!listed.stdout.includes("\u001b"), listed.stdout);
  assert.match(listed.stdout, /^x\?\[2Jwiped\s+ssh-ed25519 256\s+SHA256:/m);

  const other = join(dir, "id_multiline");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "plain", "-f", other]);
  const refused = await cli(["key", "add", "lab@example.com", `${other}.pub`, "--label", "two\nlines"]);
  assertOneLineError(refused, /^burrow key add: label: Use one line of text without control characters$/);
  assert.equal(refused.code, 2);
  assert.doesNotMatch((await cli(["key", "list", "lab@example.com"])).stdout, /plain|two/);

  // Two keys in one file (an authorized_keys, two .pub catted): how many, and how to add one.
  const both = join(dir, "two-keys.pub");
  writeFileSync(
    both,
    `${readFileSync(`${other}.pub`, "utf8")}${readFileSync(join(dir, "id_ann.pub"), "utf8")}`,
  );
  const two = await cli(["key", "add", "lab@example.com", both]);
  assertOneLineError(
    two,
    /^burrow key add: .*two-keys\.pub holds 2 public keys: add them one at a time, e\.g\. sed -n 1p .*two-keys\.pub \| npm run burrow -- key add lab@example\.com -$/,
  );
  assert.doesNotMatch((await cli(["key", "list", "lab@example.com"])).stdout, /plain/);
});
