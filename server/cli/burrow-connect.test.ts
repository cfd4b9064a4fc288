import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { createLogger } from "../../lib/logger.ts";
import { freePort, startChild } from "../hardening/process.ts";
import { loadOrCreateHostKey } from "../host-key.ts";
import { createRelay } from "../relay.ts";
import { messages } from "../ssh/messages.ts";
import { startTestRelay } from "../testing/harness.ts";
import { testEnvironment } from "./testing/run-cli.ts";

const script = join(import.meta.dirname, "..", "..", "bin", "burrow-connect");
const REFUSED = "255:0:Error: remote port forwarding failed for listen port 80";
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fake `ssh` on PATH: records its arguments, then plays the next step of the plan: each step
 * "<exit code>:<seconds to stay up>:<message>" (on stderr, or stdout with "out=", or the lines of a file on
 * stdout with "file="). Past the end of the plan it refuses the
 * forward, so a script that retries too much still ends. A fake sleep (BURROW_CONNECT_SLEEP)
 * records the backoff delays and returns at once.
 */
function sandbox(plan: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "burrow-connect-"));
  dirs.push(dir);
  writeFileSync(join(dir, "plan"), `${plan.join("\n")}\n`);
  writeFileSync(
    join(dir, "ssh"),
    `#!/bin/sh
dir=${JSON.stringify(dir)}
n=$(($(cat "$dir/count" 2>/dev/null || echo 0) + 1))
echo "$n" > "$dir/count"
for arg in "$@"; do printf '%s\\n' "$arg"; done > "$dir/args.$n"
step=$(sed -n "\${n}p" "$dir/plan")
[ -n "$step" ] || step=${JSON.stringify(REFUSED)}
code=\${step%%:*}; rest=\${step#*:}; up=\${rest%%:*}; message=\${rest#*:}
echo "connected $n"
case $message in
  "") ;;
  out=*) echo "\${message#out=}" ;; # the relay's console (stdout)
  file=*) cat "\${message#file=}" ;; # many lines of it
  *) echo "$message" >&2 ;;
esac
# exec, like a real ssh that is one process: a signal to it ends the connection.
[ "$up" -gt 0 ] && exec /bin/sleep "$up"
exit "$code"
`,
  );
  writeFileSync(join(dir, "fake-sleep"), `#!/bin/sh\necho "$1" >> ${JSON.stringify(join(dir, "delays"))}\n`);
  chmodSync(join(dir, "ssh"), 0o755);
  chmodSync(join(dir, "fake-sleep"), 0o755);
  return {
    dir,
    env: {
      PATH: `${dir}:${process.env.PATH}`,
      HOME: dir,
      BURROW_CONNECT_SLEEP: join(dir, "fake-sleep"),
    } as Record<string, string>,
    calls: () => Number(existsSync(join(dir, "count")) ? readFileSync(join(dir, "count"), "utf8") : 0),
    args: (n: number) =>
      readFileSync(join(dir, `args.${n}`), "utf8")
        .trimEnd()
        .split("\n"),
    delays: () =>
      existsSync(join(dir, "delays"))
        ? readFileSync(join(dir, "delays"), "utf8").trim().split("\n").map(Number)
        : [],
  };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string>, onStart?: (pid: number) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(script, args, { env: testEnvironment(env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    // A script stuck in a loop must fail the test, not hang the suite.
    const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
    if (child.pid) onStart?.(child.pid);
  });
}

test("bad arguments are refused before ssh runs", async () => {
  const box = sandbox([]);
  const cases: [string[], RegExp][] = [
    [[], /missing <local-port>/],
    [["myapp"], /local port must be a number from 1 to 65535, not "myapp"/],
    [["70000"], /local port must be a number/],
    [["0"], /local port must be a number/],
    [["080"], /local port must be a number/],
    [["3000", "my_app"], /"my_app" is not a valid name/],
    [["3000", "ab"], /a name has 3 to 63 characters/],
    [["3000", "-x"], /unknown option|not a valid name/],
    [["-x", "3000"], /^burrow-connect: unknown option -x\n/],
    [["3000", "-H"], /not a valid name/],
    [["-H"], /^burrow-connect: option -H needs a value\n/],
    // The port forgotten before "--", and an option's value forgotten: said as what is missing,
    // not as a bad port "-o" or "--".
    [["--", "-o", "Foo=bar"], /^burrow-connect: missing <local-port> before --\n/],
    [["--"], /^burrow-connect: missing <local-port> before --\n/],
    [["-H", "relay.example.com", "--", "-v"], /^burrow-connect: missing <local-port> before --\n/],
    [["-p", "--", "8077"], /^burrow-connect: option -p needs a value\n/],
    [["-H", "-p", "2222", "3000"], /^burrow-connect: option -H needs a value\n/],
    [["-i", "--", "3000"], /^burrow-connect: option -i needs a value\n/],
    [["-p", "-1", "3000"], /SSH port must be a number from 1 to 65535, not "-1"/],
    [["3000", "myapp", "extra"], /unexpected argument "extra"/],
    [["-p", "abc", "3000"], /SSH port must be a number/],
    [["-i", "/nonexistent/key", "3000"], /cannot read the identity file/],
  ];
  for (const [args, pattern] of cases) {
    const result = await run(args, box.env);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
  }
  assert.equal(box.calls(), 0);
  for (const flag of ["-h", "--help"]) {
    const help = await run([flag], box.env);
    assert.equal(help.code, 0, `${flag}: ${help.stderr}`);
    assert.match(help.stdout, /Usage: burrow-connect/);
  }
});

test("ssh gets the forward, the reliability options and the relay address", async () => {
  const box = sandbox([REFUSED, REFUSED, REFUSED]);
  writeFileSync(join(box.dir, "key"), "not really a key");
  await run(["3000", "MyApp"], box.env);
  assert.deepEqual(box.args(1), [
    "-T",
    "-o",
    "ExitOnForwardFailure=yes",
    "-o",
    "ConnectTimeout=15",
    "-o",
    "ServerAliveInterval=15",
    "-o",
    "ServerAliveCountMax=2",
    "-o",
    "ControlMaster=no",
    "-o",
    "ControlPath=none",
    "-o",
    "StrictHostKeyChecking=accept-new",
    "-R",
    "myapp:80:localhost:3000",
    "-p",
    "2222",
    "localhost",
  ]);

  await run(["8080"], { ...box.env, BURROW_HOST: "relay.example.com", BURROW_SSH_PORT: "2200" });
  assert.deepEqual(box.args(2).slice(-5), ["-R", "80:localhost:8080", "-p", "2200", "relay.example.com"]);

  await run(
    ["-H", "tunnels.example.org", "-p", "22", "-i", join(box.dir, "key"), "5173", "web", "--", "-v"],
    { ...box.env, BURROW_HOST: "ignored.example.com" },
  );
  const third = box.args(3);
  assert.equal(third[0], "-v", "extra ssh options come first");
  assert.deepEqual(third.slice(-9), [
    "-i",
    join(box.dir, "key"),
    "-o",
    "IdentitiesOnly=yes",
    "-R",
    "web:80:localhost:5173",
    "-p",
    "22",
    "tunnels.example.org",
  ]);

  // A "--" that ends the options right before the port still has the port after it, as getopts reads it.
  await run(["-p", "2200", "--", "3001"], box.env);
  assert.deepEqual(box.args(4).slice(-5), ["-R", "80:localhost:3001", "-p", "2200", "localhost"]);
});

test("a refused forward stops at once with the reason", async () => {
  const box = sandbox([REFUSED]);
  const result = await run(["3000", "taken-name"], box.env);
  assert.equal(result.code, 1);
  assert.equal(box.calls(), 1);
  assert.match(result.stderr, /remote port forwarding failed/, "ssh's own message is shown");
  assert.match(result.stderr, /the relay refused to forward "taken-name".*Not retrying/);
  assert.deepEqual(box.delays(), []);
});

test("the relay's refusal in its console stops; one for its database being away is retried", async () => {
  const refusal = messages.refused(
    "-R web:80",
    messages.notReserved(
      { BURROW_DASHBOARD_URL: "http://x", BURROW_SSH_HOST: "x", BURROW_SSH_PORT: 2222 },
      "web",
    ),
  );
  const box = sandbox([`1:0:out=${refusal}`]);
  const result = await run(["3000", "web"], box.env);
  assert.equal(result.code, 1);
  assert.equal(box.calls(), 1);
  assert.ok(result.stdout.includes(refusal), "the relay's reason is shown");
  assert.match(result.stderr, /the relay refused to forward "web" \(the reason is above\)\. Not retrying/);

  const away = sandbox([
    `1:0:out=${messages.refused("-R web:80", messages.databaseDown)}`,
    `1:0:out=${refusal}`,
  ]);
  await run(["3000", "web"], away.env);
  assert.equal(away.calls(), 2, "a database outage is waited out");
  assert.deepEqual(away.delays(), [1]);
});

test("without a name, reconnects ask for the random name the relay gave; a new one once it is not kept", async () => {
  const given = (name: string) =>
    messages.forwarding(`http://${name}.tunnels.example.com`, "your local port (-R 80:…)");
  const box = sandbox([
    `255:0:out=${given("k3j5h2g7f8d9s1")}`,
    `255:0:out=${given("k3j5h2g7f8d9s1")}`,
    `1:0:out=${messages.refused(
      "-R k3j5h2g7f8d9s1:80",
      messages.randomNameExpired(
        {
          BURROW_DASHBOARD_URL: "http://x",
          BURROW_SSH_HOST: "x",
          BURROW_SSH_PORT: 2222,
          BURROW_RANDOM_NAME_HOURS: 24,
        },
        "k3j5h2g7f8d9s1",
      ),
    )}`,
    `255:0:out=${given("q8w7e6r5t4y3u2")}`,
    `1:0:out=${messages.refused("-R q8w7e6r5t4y3u2:80", messages.databaseDown)}`,
  ]);
  const result = await run(["3000"], box.env);
  const forwards = [1, 2, 3, 4, 5, 6].map((n) => box.args(n).at(-4));
  assert.deepEqual(forwards, [
    "80:localhost:3000",
    "k3j5h2g7f8d9s1:80:localhost:3000",
    "k3j5h2g7f8d9s1:80:localhost:3000",
    "80:localhost:3000",
    "q8w7e6r5t4y3u2:80:localhost:3000",
    // A database outage does not cost the name.
    "q8w7e6r5t4y3u2:80:localhost:3000",
  ]);
  assert.match(result.stderr, /no longer keeps k3j5h2g7f8d9s1 for you; asking for a new random name/);
  // Past the plan the fake refuses the forward: with the kept name, then with a new random one.
  assert.equal(box.calls(), 7);
  assert.equal(box.args(7).at(-4), "80:localhost:3000");
  assert.equal(result.code, 1);
});

test("the next run for the same relay and local port asks for the random name of the last one", async () => {
  const given = messages.forwarding("http://k3j5h2g7f8d9s1.localhost:8080", "your local port (-R 80:…)");
  const bye = "0:0:out=Closing your tunnels. Bye.";
  const box = sandbox([`255:0:out=${given}`, bye, bye, bye]);
  assert.equal((await run(["3000"], box.env)).code, 0);
  const again = await run(["3000"], box.env);
  assert.equal(again.code, 0);
  assert.match(again.stderr, /asking for k3j5h2g7f8d9s1 again \(the random name of your last run\)/);
  assert.equal(box.args(3).at(-4), "k3j5h2g7f8d9s1:80:localhost:3000");
  // Another local port is another app: a new random name.
  await run(["4000"], box.env);
  assert.equal(box.args(4).at(-4), "80:localhost:4000");
});

test("a refused key stops too", async () => {
  const denied = "255:0:bob@localhost: Permission denied (publickey).";
  const box = sandbox([denied, denied]);
  const result = await run(["3000"], box.env);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /did not accept your SSH key\. Add your public key \(e\.g\. ~\/\.ssh\/id_ed25519\.pub\)/,
  );
  // With -i the message names the key that was refused and its public half, not ssh's default one.
  const key = join(box.dir, "work_key");
  writeFileSync(key, "not read by the fake ssh");
  const picked = await run(["-i", key, "3000"], box.env);
  assert.equal(picked.code, 1);
  assert.match(
    picked.stderr,
    new RegExp(`did not accept the SSH key ${key}\\. Add its public key \\(${key}\\.pub\\)`),
  );
});

test("a relay's advice about an unknown key is not ssh refusing the key: a dropped connection is retried", async () => {
  // An older relay's advice for a key it does not know, shown while ssh goes on to offer the next
  // key: only ssh's own "user@host: Permission denied (publickey)." line means a refused key.
  const advice =
    '255:0:If ssh stops with "Permission denied", add your public key (e.g. ~/.ssh/id_ed25519.pub) at';
  const box = sandbox([advice, "255:0:Connection closed by 127.0.0.1 port 2222", REFUSED]);
  const result = await run(["3000", "myapp"], box.env);
  assert.equal(box.calls(), 3, result.stderr);
  assert.doesNotMatch(result.stderr, /did not accept/);
  assert.deepEqual(box.delays(), [1, 2]);
});

test("with an unknown key offered before the registered one, a relay restart is reconnected (real relay and ssh)", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), "burrow-connect-relay-"));
  dirs.push(dataDir);
  // Last started, first stopped: the test database goes with the first relay.
  const cleanups: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });
  const [sshPort, httpPort] = [await freePort(), await freePort()];
  const relay = await startTestRelay({
    BURROW_SSH_PORT: String(sshPort),
    BURROW_HTTP_PORT: String(httpPort),
    BURROW_DATA_DIR: dataDir,
  });
  cleanups.push(() => relay.close());
  const user = await relay.createUserWithKey();
  const unknown = await relay.createUnregisteredKey();
  await relay.reserve(user, "twokeys");
  const app = await relay.startLocalApp();
  // ssh offers the -i keys in order: the relay explains the unknown one, then the second signs in.
  const connect = startChild(
    "sh",
    [
      script,
      ...["-H", "127.0.0.1", "-p", String(sshPort), String(app.port), "twokeys", "--"],
      ...["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no"],
      ...["-o", "UserKnownHostsFile=/dev/null", "-o", "IdentityAgent=none", "-o", "IdentitiesOnly=yes"],
      ...["-i", unknown.keyPath, "-i", user.keyPath],
    ],
    { BURROW_IDENTITY: "" },
  );
  cleanups.push(() => connect.kill());
  await connect.waitForOutput(/Forwarding http:\/\/twokeys\./, 15_000);
  assert.match(connect.output(), /Burrow does not know the SSH key/, "the unknown key was offered first");

  await relay.relay.close();
  await connect.waitForOutput(/reconnecting in 1 s/, 10_000);
  assert.match(
    connect.output(),
    /connection ended \(ssh exit code 1\)/,
    "the relay's shutdown is a failure to ssh",
  );
  // Back on the same ports, data directory (host key) and database, as a restarted relay.
  const hostKey = await loadOrCreateHostKey(dataDir);
  const second = createRelay({
    db: relay.db,
    config: relay.config,
    hostKey: hostKey.privateKey,
    logger: createLogger({ silent: !process.env.BURROW_TEST_VERBOSE }),
  });
  cleanups.push(() => second.close());
  await second.listen();
  await relay.waitFor(() => second.registry.get("twokeys"), "burrow-connect to reconnect", 20_000);
  assert.equal((await relay.fetchTunnel("twokeys", "/again")).json?.path, "/again");
  assert.doesNotMatch(connect.output(), /did not accept/);
  assert.equal(connect.child.exitCode, null, connect.output());
  assert.equal(await connect.stop(), 0, connect.output());
});

test("the relay's own reasons decide: shutdown reconnects; takeover, admin close, key removal, a disabled account and exit stop", async () => {
  // The relay ends a session it closed with exit status 1, one the user closed with 0; burrow-connect
  // exits 1 when it stops for a reason, 0 when the user closed the session.
  const cases: [string, number, RegExp | null][] = [
    [messages.takenOver("myapp"), 1, /another connection of yours now serves this name/],
    [messages.adminDisconnect("myapp", "abuse report"), 1, /an administrator closed this tunnel/],
    [messages.keyRemoved("myapp"), 1, /the SSH key this tunnel used was removed from your account/],
    // Disabled while it was reconnecting: the relay refuses the sign-in itself (ssh exits 255).
    [
      `Received disconnect from 127.0.0.1 port 2222:11: ${messages.userDisabled}`,
      255,
      /your account on this relay is disabled \(ask its administrator\)\. Not retrying/,
    ],
    ["Closing your tunnels. Bye.", 0, null],
  ];
  for (const [line, code, pattern] of cases) {
    const box = sandbox([`${code}:0:out=${line}`]);
    const result = await run(["3000", "myapp"], box.env);
    assert.equal(result.code, pattern ? 1 : 0, `${line}: ${result.stderr}`);
    assert.equal(box.calls(), 1, `${line}: no reconnect`);
    assert.ok(result.stdout.includes(line), "the relay's line is shown");
    if (pattern) assert.match(result.stderr, pattern);
  }
  // Reconnected every second while the relay restarts, not backing off as for a dropped network.
  const down = "255:0:ssh: connect to host localhost port 2222: Connection refused";
  const restart = sandbox([`1:0:out=${messages.relayShutdown}`, down, down, down, down, REFUSED]);
  await run(["3000", "myapp"], restart.env);
  assert.equal(restart.calls(), 6, "a relay restart is reconnected");
  assert.deepEqual(restart.delays(), [1, 1, 1, 1, 1]);
});

test("dropped connections are retried with exponential backoff up to 30 s", async () => {
  const drop = "255:0:Connection closed by 127.0.0.1 port 2222";
  const box = sandbox([drop, drop, drop, drop, drop, "0:0:", drop, REFUSED]);
  const result = await run(["3000", "myapp"], box.env);
  assert.equal(result.code, 1);
  assert.equal(box.calls(), 8);
  assert.deepEqual(box.delays(), [1, 2, 4, 8, 16, 30, 30]);
  assert.match(result.stderr, /could not connect \(ssh exit code 255\); retrying in 1 s/);
  assert.match(result.stdout, /connected 1\n.*connected 8/s, "ssh's output (the relay's messages) shows");
});

test("a tunnel that was up is said to have ended; an attempt that never got one, not to have connected", async () => {
  const up = "255:0:out=Forwarding http://myapp.localhost:8080 -> your local port (-R myapp:80:…)";
  const box = sandbox([up, "255:0:ssh: connect to host localhost port 2222: Connection refused", REFUSED]);
  const result = await run(["3000", "myapp"], box.env);
  assert.equal(box.calls(), 3);
  const lines = result.stderr.split("\n").filter((line) => line.includes("ssh exit code"));
  assert.deepEqual(lines, [
    "burrow-connect: connection ended (ssh exit code 255); reconnecting in 1 s (Ctrl-C to stop)",
    "burrow-connect: could not connect (ssh exit code 255); retrying in 2 s (Ctrl-C to stop)",
  ]);
});

test("an attempt the relay never answers (the network went away as it connected) is given up and retried", async () => {
  // What a Wi-Fi switch or a captive portal does to a connection just made: it is accepted and then
  // nothing comes back. The real ssh waits for the relay's first words only as long as ConnectTimeout.
  const sockets: Socket[] = [];
  const silent = createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const { port } = silent.address() as AddressInfo;
  const box = sandbox([]);
  let retried = false;
  const result = await run(
    ["-p", String(port), "3000", "myapp", "--", "-F", "/dev/null", "-o", "UserKnownHostsFile=/dev/null"],
    // The real ssh (not the sandbox's fake), with a short timeout so the test stays quick.
    { ...box.env, PATH: process.env.PATH ?? "", BURROW_CONNECT_TIMEOUT: "1" },
    (pid) => {
      const stop = () => {
        clearInterval(poll);
        clearTimeout(giveUp);
        process.kill(pid, "SIGTERM");
        // An ssh still waiting (no timeout) ends when its connection does.
        for (const socket of sockets) socket.destroy();
      };
      const poll = setInterval(() => {
        retried = sockets.length >= 2;
        if (retried) stop();
      }, 50);
      const giveUp = setTimeout(stop, 8_000);
    },
  );
  silent.close();
  assert.ok(retried, `a second attempt within 8 s\n${result.stderr}`);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /timed out/, "ssh says why");
  assert.match(result.stderr, /could not connect \(ssh exit code 255\); retrying in 1 s/);
});

test("the backoff starts over after a connection that lasted", async () => {
  const drop = "255:0:Connection refused";
  const box = sandbox([drop, drop, "255:2:Connection reset", drop, REFUSED]);
  await run(["3000", "myapp"], { ...box.env, BURROW_CONNECT_STABLE_SECONDS: "1" });
  assert.deepEqual(box.delays(), [1, 2, 1, 2]);
});

test("quick retries after a relay restart end once a connection lasts: a later drop backs off", async () => {
  const down = "255:0:ssh: connect to host localhost port 2222: Connection refused";
  const box = sandbox([
    `1:0:out=${messages.relayShutdown}`,
    down,
    "255:2:Connection reset",
    down,
    down,
    REFUSED,
  ]);
  await run(["3000", "myapp"], { ...box.env, BURROW_CONNECT_STABLE_SECONDS: "1" });
  assert.deepEqual(box.delays(), [1, 1, 1, 2, 4]);
});

test("the requests a connection shows are not kept: a busy tunnel's temporary file does not grow with them", async () => {
  const box = sandbox([]);
  const requests = Array.from({ length: 2000 }, (_, i) =>
    i % 2 ? `GET /assets/app-${i}.js 200 1.2ms` : `GET (upgrade) /socket/${i} 101 open`,
  );
  const lines = [...requests, "POST (replay) /hook 200 3.0ms", messages.takenOver("myapp")];
  writeFileSync(join(box.dir, "console"), `${lines.join("\n")}\n`);
  writeFileSync(join(box.dir, "plan"), `0:30:file=${join(box.dir, "console")}\n`);
  let kept = "";
  const result = await run(["3000", "myapp"], { ...box.env, TMPDIR: box.dir }, (pid) => {
    const poll = setInterval(() => {
      const work = readdirSync(box.dir).find((entry) => entry.startsWith("burrow-connect."));
      const output = work ? join(box.dir, work, "output") : "";
      if (!output || !existsSync(output) || !readFileSync(output, "utf8").includes("took over")) return;
      clearInterval(poll);
      kept = readFileSync(output, "utf8");
      process.kill(pid, "SIGTERM");
    }, 50);
  });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(result.stdout.includes(`${requests.join("\n")}\n`), "every request is shown");
  assert.equal(kept, `connected 1\n${messages.takenOver("myapp")}\n`, "only the relay's own words are kept");
});

test("SIGINT and SIGTERM stop it while connected, exit 0", async () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const box = sandbox(["0:60:"]);
    const started = Date.now();
    const result = await run(["3000", "myapp"], box.env, (pid) => {
      const poll = setInterval(() => {
        if (box.calls() === 1) {
          clearInterval(poll);
          setTimeout(() => process.kill(pid, signal), 200);
        }
      }, 50);
    });
    assert.equal(result.code, 0, `${signal}: ${result.stderr}`);
    assert.ok(Date.now() - started < 10_000, "stopped promptly, not after ssh's 60 s");
    assert.equal(box.calls(), 1, "no reconnect after a stop");
  }
});
