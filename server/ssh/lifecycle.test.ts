import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { type AddressInfo, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { sendRelayCommand } from "../../lib/relay-control.ts";
import { deleteKey } from "../../lib/ssh-keys/service.ts";
import { startBurrowConnect } from "../hardening/process.ts";
import { type SshProcess, startTestRelay, TEST_DASHBOARD_URL, type TestRelay } from "../testing/harness.ts";

let t: TestRelay;
before(async () => {
  t = await startTestRelay();
});
after(() => t.close());

const uniqueName = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

/** ssh's exit code; a failure with its output if it is still running after `ms` (then killed). */
async function exitCodeWithin(ssh: SshProcess, ms = 10_000): Promise<number | null> {
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    ssh.kill();
  }, ms);
  const { code } = await ssh.exited;
  clearTimeout(timer);
  assert.ok(!late, `ssh still running after ${ms} ms\nstdout: ${ssh.stdout()}\nstderr: ${ssh.stderr()}`);
  return code;
}

/** A port nothing listens on right now, for ssh -L to listen on. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

async function sessionRow(id: string) {
  return t.db.tunnelSession.findUniqueOrThrow({ where: { id } });
}

test("kill -9 of the ssh client: the name leaves routing within a second, the session row closes, a reconnect works", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("kill");
  await t.reserve(user, name);
  const app = await t.startLocalApp();
  const first = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:${app.port}`] });
  assert.equal(first.state, "live", first.stderr());
  const tunnel = first.tunnels[0]!;
  await t.fetchTunnel(name, "/before");

  first.kill("SIGKILL");
  await t.waitFor(() => t.relay.registry.get(name) === undefined, "the tunnel to leave the registry", 1_000);
  const row = await t.waitFor(async () => {
    const r = await sessionRow(tunnel.sessionId);
    return r.endedAt ? r : undefined;
  }, "the session row to close");
  assert.equal(row.endReason, "client_closed");
  assert.equal(row.requests, 1);
  assert.ok(row.bytesOut > 0n);

  const second = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:${app.port}`] });
  assert.equal(second.state, "live", second.stderr());
  assert.equal((await t.fetchTunnel(name, "/after")).json?.path, "/after");
  second.kill();
});

test("takeover: a second connection of the same user takes a half-dead connection's name at once", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("take");
  await t.reserve(user, name);
  const oldApp = await t.startLocalApp();
  const newApp = await t.startLocalApp();
  const first = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:${oldApp.port}`] });
  assert.equal(first.state, "live", first.stderr());
  const oldTunnel = first.tunnels[0]!;
  first.kill("SIGSTOP"); // half-dead: TCP stays open, nothing answers
  try {
    const startedAt = Date.now();
    const second = await t.startSsh({
      user,
      forwards: [`${name}:80:127.0.0.1:${newApp.port}`],
      session: true,
    });
    assert.equal(second.state, "live", second.stderr());
    assert.ok(Date.now() - startedAt < 5_000, "no waiting for keepalives");
    // The new session says what it did, rather than take the name in silence.
    await t.waitFor(
      () =>
        second
          .stdout()
          .includes(
            `${name} was connected from 127.0.0.1 by another connection of yours: that one is closed, this one serves it now.`,
          ) || undefined,
      "the takeover line in the new session",
    );
    assert.notEqual(t.relay.registry.get(name), oldTunnel);
    const res = await t.fetchTunnel(name, "/new");
    assert.equal(res.json?.path, "/new");
    assert.equal(oldApp.requests.length, 0);
    const row = await t.waitFor(async () => {
      const r = await sessionRow(oldTunnel.sessionId);
      return r.endedAt ? r : undefined;
    }, "the old session row to close");
    assert.equal(row.endReason, "taken_over");
    second.kill();
  } finally {
    first.kill("SIGCONT");
    first.kill("SIGKILL");
  }
});

test("the session console prints the forward, each request, and closes on exit", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("term");
  await t.reserve(user, name);
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:${app.port}`], session: true });
  assert.equal(ssh.state, "live", ssh.stderr());
  await ssh.waitForStdout(new RegExp(`Forwarding http://${name}\\.localhost:${t.httpPort} -> `));
  // Where its requests show, to click in the terminal.
  await ssh.waitForStdout(new RegExp(`\nWatch its requests at ${TEST_DASHBOARD_URL}/tunnels/${name}\r?\n`));
  await ssh.waitForStdout(/Press Ctrl-C or type exit/);

  await t.fetchTunnel(name, "/term-check");
  await ssh.waitForStdout(/GET \/term-check 200 [\d.]+ms/);

  ssh.child.stdin.write("exit\r");
  const { code } = await ssh.exited;
  assert.equal(code, 0);
  assert.equal(t.relay.registry.get(name), undefined);
});

test("burrow-connect's console (ssh -T, no pty): typed lines are not echoed back, a relay command is told where it runs", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("nopty");
  await t.reserve(user, name);
  const connect = startBurrowConnect({ sshPort: t.sshPort, keyPath: user.keyPath, localPort: 9, name });
  try {
    await connect.waitForOutput(/Forwarding http/, 15_000);
    // A console with tunnels says how to close them (one without any does not).
    assert.match(connect.output(), /Press Ctrl-C or type exit to close the tunnels\./);
    connect.child.stdin.write("names\n");
    await connect.waitForOutput(
      new RegExp(
        `This console only shows your tunnels\\. Run that from another terminal: ssh -p ${t.sshPort} localhost names\r?\n`,
      ),
      10_000,
    );
    connect.child.stdin.write("whoami\n");
    await connect.waitForOutput(/Burrow has no shell: type help/, 10_000);
    // The user's terminal shows what they typed; the relay echoing it too showed every line twice.
    assert.doesNotMatch(connect.output(), /^(names|whoami)\r?$/m);
    connect.child.stdin.write("exit\n");
    assert.equal(await connect.exited, 0, connect.output());
  } finally {
    await connect.kill();
  }
});

test("a relay shutdown ends sessions and commands (logs -f) with exit status 1, so a retry loop goes on", async (ctx) => {
  // A relay of its own: this one is shut down.
  const own = await startTestRelay();
  ctx.after(() => own.close());
  const user = await own.createUserWithKey();
  const name = uniqueName("stop");
  await own.reserve(user, name);
  const session = await own.startSsh({ user, forwards: [`${name}:80:127.0.0.1:9`], session: true });
  assert.equal(session.state, "live", session.stderr());
  await session.waitForStdout(/Forwarding/);
  const follow = await own.startSsh({
    user,
    forwards: [],
    command: ["logs", name, "-f"],
    waitForTunnels: false,
  });
  await follow.waitForStdout(/TIME \(UTC\)/);

  await own.relay.close();
  assert.equal(await exitCodeWithin(session), 1, session.stdout());
  assert.match(session.stdout(), /The Burrow relay is shutting down; reconnect in a moment\./);
  // A command without a console as well: the reason on its stderr, not a DISCONNECT (ssh's 255).
  assert.equal(await exitCodeWithin(follow), 1, follow.stderr());
  assert.match(follow.stderr(), /^The Burrow relay is shutting down; reconnect in a moment\.\r?$/m);
  assert.doesNotMatch(follow.stderr(), /Received disconnect/);
});

test("Ctrl-C in the console closes the connection", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("ctrlc");
  await t.reserve(user, name);
  const ssh = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:9`], session: true });
  assert.equal(ssh.state, "live", ssh.stderr());
  await ssh.waitForStdout(/Forwarding/);
  ssh.child.stdin.write("\x03");
  await ssh.exited;
  await t.waitFor(() => t.relay.registry.get(name) === undefined, "the tunnel to go", 2_000);
});

test("a refusal is printed in the console when the client keeps a session", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("nores");
  const ssh = await t.startSsh({
    user,
    forwards: [`${name}:80:127.0.0.1:9`],
    session: true,
    extraArgs: ["-o", "ExitOnForwardFailure=no"],
    waitForTunnels: false,
  });
  // With how to reserve it from this terminal (server/ssh/commands.ts) or the dashboard.
  await ssh.waitForStdout(
    new RegExp(
      `Refused -R ${name}:80: The name ${name} is not reserved\\. ` +
        `Reserve it with "ssh -p ${t.sshPort} localhost reserve ${name}" or at ${TEST_DASHBOARD_URL}/names`,
    ),
  );
  ssh.kill();
});

/** Runs `ssh … <command>` as the user: its output and exit status. */
async function relayCommand(user: Awaited<ReturnType<TestRelay["createUserWithKey"]>>, command: string[]) {
  const ssh = await t.startSsh({ user, forwards: [], command, waitForTunnels: false });
  const { code } = await ssh.exited;
  return { code, stdout: ssh.stdout(), stderr: ssh.stderr() };
}

test("ssh with a command: help, names, and reserve a name from the terminal, then connect with it", async () => {
  const user = await t.createUserWithKey();
  const help = await relayCommand(user, ["help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Burrow serves HTTP tunnels:/);
  // The test relay's SSH host is localhost and its dashboard's port 3000: the example uses 8000, as
  // the dashboard's Connect card does, not the port that would show visitors Burrow's own sign-in.
  assert.match(help.stdout, new RegExp(`ssh -R myapp:80:localhost:8000 -p ${t.sshPort}`));
  assert.match(help.stdout, new RegExp(`makes http://myapp\\.localhost:${t.httpPort} reach port 8000`));
  assert.match(help.stdout, new RegExp(`ssh -p ${t.sshPort} localhost reserve myapp +reserve a name`));
  const logsHelp = await relayCommand(user, ["help", "logs"]);
  assert.equal(logsHelp.code, 0, logsHelp.stderr);
  assert.match(logsHelp.stdout, /^logs <name> \[options\]/);
  assert.match(logsHelp.stdout, /--from TIME +from TIME on: 2026-12-05T14:00 \(UTC\)/);

  const none = await relayCommand(user, ["names"]);
  assert.equal(none.code, 0, none.stderr);
  assert.match(
    none.stdout,
    new RegExp(`You have no names yet: ssh -p ${t.sshPort} localhost reserve <name>`),
  );

  const name = uniqueName("cli");

  const reserved = await relayCommand(user, ["reserve", name.toUpperCase()]);
  assert.equal(reserved.code, 0, reserved.stderr);
  assert.match(reserved.stdout, new RegExp(`Reserved ${name}: http://${name}\\.localhost:${t.httpPort}`));
  assert.match(
    reserved.stdout,
    new RegExp(`Connect with:\r?\n {2}ssh -R ${name}:80:localhost:8000 -p ${t.sshPort} localhost`),
  );
  // Now it connects, and names shows it online.
  const app = await t.startLocalApp();
  const tunnel = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:${app.port}`] });
  assert.equal(tunnel.state, "live", tunnel.stderr());
  const listed = await relayCommand(user, ["names"]);
  assert.match(listed.stdout, new RegExp(`^${name} +online +http://${name}\\.localhost:${t.httpPort}`, "m"));
  // Its log from the terminal: oldest first, times in UTC, the dashboard's filters.
  assert.equal((await t.fetchTunnel(name, "/first")).status, 200);
  assert.equal((await t.fetchTunnel(name, "/second?x=1")).status, 200);
  tunnel.kill();
  await t.waitFor(
    async () => (await t.db.requestLog.count({ where: { name } })) === 2 || undefined,
    "the log",
  );
  await t.db.requestLog.create({
    data: { name, method: "POST", path: "/missing", status: 404, durationMs: 1, clientIp: "203.0.113.9" },
  });
  const log = await relayCommand(user, ["logs", name.toUpperCase()]);
  assert.equal(log.code, 0, log.stderr);
  assert.match(
    log.stdout,
    /^TIME \(UTC\)\s+METHOD\s+PATH\s+STATUS[^\n]*\r?\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}GET\s+\/first\s+200\s/,
  );
  const [header = "", first = ""] = log.stdout.split(/\r?\n/);
  assert.equal(first.indexOf("GET"), header.indexOf("METHOD"), "columns line up under their headers");
  assert.ok(log.stdout.indexOf("/first") < log.stdout.indexOf("/second?x=1"), "oldest first");
  const missing = await relayCommand(user, ["logs", name, "--status", "404"]);
  assert.match(missing.stdout, /POST\s+\/missing\s+404/);
  assert.doesNotMatch(missing.stdout, /\/first|\/second/);
  const newest = await relayCommand(user, ["logs", name, "-n", "1"]);
  assert.match(newest.stdout, /\/missing/);
  assert.doesNotMatch(newest.stdout, /\/first/);
  assert.match(
    (await relayCommand(user, ["logs", name, "--path", "nowhere"])).stdout,
    new RegExp(`No requests to ${name} match these filters`),
  );
  // The time examples in `help logs` work as typed (a space in one made two words of it).
  const examples = /--from TIME +from TIME on: (\S+) \(UTC\), or with a zone: (\S+)/.exec(logsHelp.stdout);
  assert.ok(examples, logsHelp.stdout);
  for (const time of examples.slice(1)) {
    const since = await relayCommand(user, ["logs", name, "--from", time!]);
    assert.equal(since.code, 0, `--from ${time}: ${since.stderr}`);
    assert.match(since.stdout, /\/missing/, "the requests since then");
  }
  const badFilter = await relayCommand(user, ["logs", name, "--status", "6xx"]);
  assert.equal(badFilter.code, 2);
  assert.match(badFilter.stderr, /^logs: --status: Use 2xx, 3xx, 4xx or 5xx/m);

  // Refusals: the service's own words, exit 1; a wrong command or arguments, the help, exit 2;
  // on stderr, so a pipe or `2>/dev/null` does not get them.
  const again = await relayCommand(user, ["reserve", name]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, new RegExp(`${name} is already yours`));
  assert.equal(again.stdout, "");
  const other = await t.createUserWithKey();
  const taken = await relayCommand(other, ["reserve", name]);
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, new RegExp(`${name} is already taken`));
  // A mistake in what was typed: 2, as in the CLI.
  const bad = await relayCommand(other, ["reserve", "no_underscores"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /"no_underscores" is not a valid name: use only letters/);
  assert.equal(await t.db.reservation.count({ where: { userId: other.id } }), 0, "nothing reserved");
  // Another user's log reads as no name at all.
  const notTheirs = await relayCommand(other, ["logs", name]);
  assert.equal(notTheirs.code, 1);
  assert.match(notTheirs.stderr, new RegExp(`You have no name called ${name}`));
  assert.doesNotMatch(notTheirs.stdout, /\/first/);
  const unknown = await relayCommand(user, ["rm", "-rf", "/"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^Unknown command "rm"\.\r?\nBurrow serves HTTP tunnels:/m);
  assert.equal(unknown.stdout, "", "the help printed for a mistake is on stderr too");
  const extra = await relayCommand(user, ["reserve", "a", "b"]);
  assert.equal(extra.code, 2);
  assert.match(extra.stderr, /"reserve" takes one name, e\.g\. reserve myapp/);
});

test("ssh … logs -f prints each request as it is answered, past the idle cut-off, until the user leaves", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("tail");
  await t.reserve(user, name);
  const app = await t.startLocalApp();
  const tunnel = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:${app.port}`] });
  assert.equal(tunnel.state, "live", tunnel.stderr());
  // ssh joins its words with spaces, so a value with one is quoted a second time, as for a shell.
  const started = Date.now();
  const follower = await t.startSsh({
    user,
    forwards: [],
    command: ["logs", name, "-f", "--header", "'hello world'"],
    waitForTunnels: false,
  });
  await t.waitFor(() => follower.stdout().includes("TIME (UTC)") || undefined, "the log's header");
  assert.match(follower.stderr(), new RegExp(`Following ${name}'s requests; Ctrl-C to stop\\.`));
  assert.equal((await t.fetchTunnel(name, "/plain")).status, 200);
  assert.equal((await t.fetchTunnel(name, "/noted", { headers: { "x-note": "hello world" } })).status, 200);
  await t.waitFor(() => follower.stdout().includes("/noted") || undefined, "the request in the follower");
  assert.doesNotMatch(follower.stdout(), /\/plain/, "the --header filter holds while following");
  assert.match(follower.stdout(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}GET\s+\/noted\s+200\s/m);
  // A connection without -R is closed after 5 s; one running a command is not.
  await sleep(Math.max(0, started + 6_000 - Date.now()));
  assert.equal((await t.fetchTunnel(name, "/later", { headers: { "x-note": "hello world" } })).status, 200);
  await t.waitFor(() => follower.stdout().includes("/later") || undefined, "a request after 6 s");
  assert.equal(follower.exitCode(), null, follower.stderr());
  follower.kill();
  await follower.exited;

  // The name changes hands while followed (released, then reserved by someone else): their
  // requests are not shown, and the follow ends (exit 1) saying why.
  const watching = await t.startSsh({
    user,
    forwards: [],
    command: ["logs", name, "-f"],
    waitForTunnels: false,
  });
  await t.waitFor(() => watching.stdout().includes("TIME (UTC)") || undefined, "the second follower");
  const other = await t.createUserWithKey();
  await t.db.reservation.update({ where: { name }, data: { userId: other.id } });
  assert.equal((await t.fetchTunnel(name, "/someone-elses")).status, 200);
  assert.equal(await exitCodeWithin(watching), 1);
  assert.match(watching.stderr(), new RegExp(`${name} is no longer yours: stopped following it\\.`));
  assert.doesNotMatch(watching.stdout(), /someone-elses/);

  // What a shell would run is refused, not half-read.
  const piped = await relayCommand(user, ["logs", name, "--path", "a|b"]);
  assert.equal(piped.code, 2);
  assert.match(piped.stderr, /^logs: the relay runs no shell: quote "\|"/m);
  tunnel.kill();
});

test("a console without any -R says what is missing and ends (exit 1); one with a tunnel stays", async () => {
  const user = await t.createUserWithKey();
  const bare = await t.startSsh({ user, forwards: [], session: true, waitForTunnels: false });
  assert.equal(await exitCodeWithin(bare), 1, bare.stderr());
  assert.match(
    bare.stdout(),
    new RegExp(
      `forwards nothing: add -R to share a local app, for example\r?\n {2}ssh -R myapp:80:localhost:8000 -p ${t.sshPort} \\S+\r?\n` +
        `"ssh -p ${t.sshPort} localhost help" shows what else the relay does \\(your names, their request logs\\)\\.\r?\n`,
    ),
  );
  // It has no tunnels to close: the console does not offer to.
  assert.doesNotMatch(bare.stdout(), /close the tunnels/);

  const name = uniqueName("hint");
  await t.reserve(user, name);
  const ssh = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:9`], session: true });
  assert.equal(ssh.state, "live", ssh.stderr());
  await ssh.waitForStdout(/Forwarding/);
  await sleep(1_500);
  assert.doesNotMatch(ssh.stdout(), /forwards nothing/);
  assert.equal(ssh.exitCode(), null, "the console stays open");
  ssh.kill();
});

test("ssh -N without any -R is disconnected with the same hint instead of holding a connection", async () => {
  const user = await t.createUserWithKey();
  const idle = await t.startSsh({ user, forwards: [], waitForTunnels: false });
  assert.equal(await exitCodeWithin(idle), 255);
  assert.match(
    idle.stderr(),
    new RegExp(
      `Burrow: This connection forwards nothing: add -R .* ssh -R myapp:80:localhost:8000 -p ${t.sshPort} localhost; ` +
        `"ssh -p ${t.sshPort} localhost help" shows what else the relay does`,
    ),
  );
});

test("a refused -R in a console prints the reason and ends (exit 1) instead of hanging", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("nope");
  for (const exitOnFailure of ["yes", "no"]) {
    const ssh = await t.startSsh({
      user,
      forwards: [`${name}:80:127.0.0.1:9`],
      extraArgs: ["-o", `ExitOnForwardFailure=${exitOnFailure}`],
      session: true,
      waitForTunnels: false,
    });
    assert.equal(await exitCodeWithin(ssh), 1, `ExitOnForwardFailure=${exitOnFailure}: ${ssh.stderr()}`);
    assert.match(ssh.stdout(), new RegExp(`Refused -R ${name}:80: The name ${name} is not reserved`));
  }
});

test("a refused -R with a quick command (ssh -R theirs:80:… relay names) says why and exits non-zero", async () => {
  const owner = await t.createUserWithKey();
  const name = uniqueName("theirs");
  await t.reserve(owner, name);
  const user = await t.createUserWithKey();
  for (const exitOnFailure of ["no", "yes"]) {
    const ssh = await t.startSsh({
      user,
      forwards: [`${name}:80:127.0.0.1:9`],
      command: ["names"],
      extraArgs: ["-o", `ExitOnForwardFailure=${exitOnFailure}`],
      waitForTunnels: false,
    });
    const code = await exitCodeWithin(ssh);
    assert.ok(code !== 0 && code !== null, `ExitOnForwardFailure=${exitOnFailure}: exit ${code}`);
    assert.match(
      ssh.stderr(),
      new RegExp(`Refused -R ${name}:80: The name ${name} is reserved by another account`),
      `ExitOnForwardFailure=${exitOnFailure}`,
    );
    // The command itself ran, its output as usual.
    if (exitOnFailure === "no") {
      assert.equal(code, 1, ssh.stderr());
      assert.match(ssh.stdout(), /You have no names yet/);
    }
  }
});

test("ssh -R myapp:80:… relay logs myapp -f shows the tunnel's address on stderr, the log alone on stdout", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("watch");
  await t.reserve(user, name);
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({
    user,
    forwards: [`${name}:80:127.0.0.1:${app.port}`],
    command: ["logs", name, "-f"],
  });
  try {
    assert.equal(ssh.state, "live", ssh.stderr());
    await ssh.waitForStdout(/TIME \(UTC\)/);
    await t.fetchTunnel(name, "/seen-through-the-tunnel");
    await ssh.waitForStdout(/\/seen-through-the-tunnel/);
    const stderr = ssh.stderr();
    assert.match(
      stderr,
      new RegExp(`Forwarding http://${name}\\.[^ ]+ -> your local port \\(-R ${name}:80:…\\)`),
    );
    assert.match(stderr, new RegExp(`/tunnels/${name}`));
    // stdout stays the command's own output (a pipe or --json gets nothing else), and the request
    // is not printed twice as the console's live line.
    assert.doesNotMatch(ssh.stdout(), /Forwarding/);
    assert.equal(ssh.stdout().match(/seen-through-the-tunnel/g)?.length, 1, ssh.stdout());
  } finally {
    ssh.kill();
    await ssh.exited;
  }
});

test("burrow-connect shows the relay's reason for a refused name and does not retry", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("unreserved");
  const connect = startBurrowConnect({ sshPort: t.sshPort, keyPath: user.keyPath, localPort: 9, name });
  try {
    await connect.waitForOutput(/Not retrying/, 15_000);
    assert.equal(await connect.exited, 1, connect.output());
  } finally {
    await connect.kill();
  }
  const output = connect.output();
  assert.match(output, new RegExp(`Refused -R ${name}:80: The name ${name} is not reserved`));
  assert.match(output, new RegExp(`refused to forward "${name}" \\(the reason is above\\)\\. Not retrying`));
  assert.doesNotMatch(output, /reconnecting/);
});

test("burrow-connect stopped by Ctrl-C or SIGTERM keeps its random name for the next run", async () => {
  const user = await t.createUserWithKey();
  const app = await t.startLocalApp();
  const stateDir = await mkdtemp(join(tmpdir(), "burrow-state-"));
  try {
    const forwarded = /Forwarding http:\/\/([a-z0-9]+)\./;
    const first = startBurrowConnect({
      sshPort: t.sshPort,
      keyPath: user.keyPath,
      localPort: app.port,
      stateDir,
    });
    let name: string;
    try {
      await first.waitForOutput(forwarded, 15_000);
      name = forwarded.exec(first.output())![1]!;
      first.child.kill("SIGINT");
      assert.equal(await first.exited, 0, first.output());
    } finally {
      await first.kill();
    }
    const files = await readdir(join(stateDir, "burrow-connect"));
    assert.equal(files.length, 1);
    assert.equal((await readFile(join(stateDir, "burrow-connect", files[0]!), "utf8")).trim(), name);

    await t.waitFor(() => t.relay.registry.get(name) === undefined, "the first tunnel to close");
    const second = startBurrowConnect({
      sshPort: t.sshPort,
      keyPath: user.keyPath,
      localPort: app.port,
      stateDir,
    });
    try {
      await second.waitForOutput(forwarded, 15_000);
      assert.match(second.output(), new RegExp(`asking for ${name} again`));
      assert.equal(forwarded.exec(second.output())![1], name, "the same address as before");
      second.child.kill("SIGTERM");
      assert.equal(await second.exited, 0, second.output());
    } finally {
      await second.kill();
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
});

const CHANNEL_REFUSED =
  /open failed: administratively prohibited: Burrow only serves HTTP tunnels \(-R\); -L, -D and -W are not available\./;

test("-W (direct-tcpip through the relay) is refused, and ssh prints why", async () => {
  const user = await t.createUserWithKey();
  const ssh = await t.startSsh({
    user,
    forwards: [],
    extraArgs: ["-W", "127.0.0.1:22"],
    waitForTunnels: false,
  });
  const { code } = await ssh.exited;
  assert.notEqual(code, 0);
  assert.match(ssh.stderr(), CHANNEL_REFUSED);
});

test("-N -L: each local connection is refused with the reason on ssh's stderr, and the tunnels stay up", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("jump");
  await t.reserve(user, name);
  const app = await t.startLocalApp();
  const localPort = await freePort();
  const ssh = await t.startSsh({
    user,
    forwards: [`${name}:80:127.0.0.1:${app.port}`],
    extraArgs: ["-L", `${localPort}:127.0.0.1:22`],
  });
  assert.equal(ssh.state, "live", ssh.stderr());
  // ssh listens on localPort and opens a channel through the relay per connection.
  const socket = connect(localPort, "127.0.0.1");
  await once(socket, "close");
  await t.waitFor(() => CHANNEL_REFUSED.test(ssh.stderr()), "ssh to print why the channel was refused");
  assert.equal((await t.fetchTunnel(name, "/still")).json?.path, "/still");
  ssh.kill();
});

test("admin disconnect through the control channel closes the tunnel within a second and says why", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("admin");
  await t.reserve(user, name);
  const ssh = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:9`] });
  assert.equal(ssh.state, "live", ssh.stderr());
  const tunnel = ssh.tunnels[0]!;
  await t.waitFor(() => t.relay.controlListening, "the control channel");

  await sendRelayCommand(t.db, { type: "disconnect", name, reason: "abuse report" });
  await t.waitFor(() => t.relay.registry.get(name) === undefined, "the admin disconnect", 1_000);
  await ssh.exited;
  assert.match(ssh.stderr(), new RegExp(`${name}: closed by an administrator \\(abuse report\\)`));
  const row = await t.waitFor(async () => {
    const r = await sessionRow(tunnel.sessionId);
    return r.endedAt ? r : undefined;
  }, "the session row to close");
  assert.equal(row.endReason, "admin_disconnect");
});

test("removing the key a tunnel was opened with closes it, saying so (not 'an administrator')", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("keyrm");
  await t.reserve(user, name);
  const ssh = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:9`] });
  assert.equal(ssh.state, "live", ssh.stderr());
  const tunnel = ssh.tunnels[0]!;
  await t.waitFor(() => t.relay.controlListening, "the control channel");

  await deleteKey(t.db, user.id, user.keyId);
  await t.waitFor(() => t.relay.registry.get(name) === undefined, "the tunnel to close");
  await ssh.exited;
  assert.match(
    ssh.stderr(),
    new RegExp(`${name}: closed because the SSH key it was opened with was removed from your account\\.`),
  );
  assert.doesNotMatch(ssh.stderr(), /administrator/);
  const row = await t.waitFor(async () => {
    const r = await sessionRow(tunnel.sessionId);
    return r.endedAt ? r : undefined;
  }, "the session row to close");
  assert.equal(row.endReason, "key_removed");
});

test("removing a key also closes its connections that have no tunnel: a lost laptop's logs --follow ends", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("keyfollow");
  await t.reserve(user, name);
  await t.waitFor(() => t.relay.controlListening, "the control channel");
  const follow = await t.startSsh({
    user,
    forwards: [],
    command: ["logs", name, "--follow"],
    waitForTunnels: false,
  });
  await follow.waitForStdout(/TIME \(UTC\)/);

  await deleteKey(t.db, user.id, user.keyId);
  // Ended with the reason on its stderr and exit status 1, as every end its user did not ask for.
  assert.equal(await exitCodeWithin(follow), 1, follow.stderr());
  assert.match(follow.stderr(), /the SSH key this connection signed in with was removed from your account/);
  // And the key no longer signs in.
  const again = await t.startSsh({ user, forwards: [], command: ["logs", name], waitForTunnels: false });
  assert.notEqual(await exitCodeWithin(again), 0, again.stdout());
});

test("a session the relay ends (takeover, admin disconnect, account disabled, key removed) exits 1", async () => {
  const user = await t.createUserWithKey();
  const name = uniqueName("status");
  await t.reserve(user, name);
  await t.waitFor(() => t.relay.controlListening, "the control channel");
  const open = async () => {
    const ssh = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:9`], session: true });
    assert.equal(ssh.state, "live", ssh.stderr());
    await ssh.waitForStdout(/Forwarding/);
    return ssh;
  };

  const first = await open();
  const second = await open(); // takes the name over
  assert.equal(await exitCodeWithin(first), 1, first.stdout());
  assert.match(first.stdout(), /another connection of yours took over/);
  // Disabling an account disconnects its names with a reason (lib/users/service.ts).
  await sendRelayCommand(t.db, { type: "disconnect", name, reason: "account disabled" });
  assert.equal(await exitCodeWithin(second), 1, second.stdout());
  assert.match(second.stdout(), /closed by an administrator \(account disabled\)/);

  const third = await open();
  await deleteKey(t.db, user.id, user.keyId);
  assert.equal(await exitCodeWithin(third), 1, third.stdout());
});

test("admin disconnect of one name keeps the connection's other names up", async () => {
  const user = await t.createUserWithKey();
  const [kept, dropped] = [uniqueName("kept"), uniqueName("drop")];
  await t.reserve(user, kept);
  await t.reserve(user, dropped);
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({
    user,
    forwards: [`${kept}:80:127.0.0.1:${app.port}`, `${dropped}:80:127.0.0.1:${app.port}`],
    session: true,
  });
  assert.equal(ssh.state, "live", ssh.stderr());
  await sendRelayCommand(t.db, { type: "disconnect", name: dropped });
  await ssh.waitForStdout(new RegExp(`${dropped}: closed by an administrator\\.`));
  assert.equal(t.relay.registry.get(dropped), undefined);
  assert.equal((await t.fetchTunnel(kept, "/kept")).status, 200);
  ssh.kill();
});

test("access-changed commands are re-emitted for the edge", async () => {
  await t.waitFor(() => t.relay.controlListening, "the control channel");
  const seen = new Promise<string>((resolve) => t.relay.events.once("access-changed", resolve));
  await sendRelayCommand(t.db, { type: "access-changed", name: "whatever" });
  assert.equal(await Promise.race([seen, sleep(2_000).then(() => "timeout")]), "whatever");
});
