import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { verifyCredentials } from "../../lib/users/service.ts";
import { nameReserveHelp } from "./name-reserve-help.ts";
import { assertOneLineError, cliArgs, createCliSandbox, runCli, testEnvironment } from "./testing/run-cli.ts";

const { database, dir, env } = await createCliSandbox("cli", { BURROW_MAX_NAMES: "5" });
const cli = (args: string[], extra: Record<string, string> = {}, input?: string) =>
  runCli(args, { env: { ...env, ...extra }, input });

execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ann@laptop", "-f", join(dir, "id_ann")]);

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

test("--version, -V and version print the package's version", async () => {
  const { version } = JSON.parse(
    readFileSync(join(import.meta.dirname, "..", "..", "package.json"), "utf8"),
  ) as {
    version: string;
  };
  for (const flag of ["--version", "-V", "version"]) {
    const result = await cli([flag]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `burrow ${version}\n`);
  }
  // Asked about as any command is.
  for (const args of [
    ["help", "version"],
    ["version", "--help"],
    ["--version", "-h"],
  ]) {
    const result = await cli(args);
    assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
    assert.match(
      result.stdout,
      /^Usage: npm run burrow -- version {3}\(or --version, -V\)\n\nPrints Burrow's version\.\n$/,
    );
  }
  // Anything else after it is a mistake, not the version.
  const extra = await cli(["version", "2"]);
  assert.equal(extra.code, 2);
  assert.equal(extra.stdout, "");
  assert.equal(extra.stderr, 'burrow version: takes no arguments (got "2")\n');
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
    /then, as ann: (.*)$/m.exec(nameReserveHelp(environment))?.[1];
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
