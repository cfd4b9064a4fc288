import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import type { ServerChannel, Session } from "ssh2";
import { flushText } from "./channel-text.ts";
import { type CommandOutput, sanitize, Terminal } from "./terminal.ts";

/** Just enough of an ssh2 channel for the console: records writes and the exit status. */
class FakeChannel extends EventEmitter {
  writable = true;
  #received = "";
  /** How many writes the channel got: one per event-loop turn's text. */
  writes = 0;
  exitCode: number | undefined;
  ended = false;
  /** ssh's stderr on the user's side. */
  stderr = {
    writable: true,
    output: "",
    write(data: string): boolean {
      this.output += data;
      return true;
    },
  };
  write(data: string | Buffer): boolean {
    this.#received += data.toString();
    this.writes += 1;
    return true;
  }
  /** What the client has got by the end of this turn (text is sent once a turn: channel-text.ts). */
  get output(): string {
    flushText(this as unknown as ServerChannel);
    return this.#received;
  }
  exit(code: number): void {
    this.exitCode = code;
  }
  end(): void {
    this.ended = true;
    this.writable = false;
  }
}

/**
 * A session on the terminal, and its shell (or, with `command`, its exec request); with `pty`, as
 * `ssh -t` (and a plain interactive ssh) asks for one first.
 */
function openShell(terminal: Terminal, command?: string, { pty = false } = {}): FakeChannel {
  const session = new EventEmitter();
  terminal.attach(session as unknown as Session);
  if (pty)
    session.emit(
      "pty",
      () => {},
      () => {},
      {},
    );
  const channel = new FakeChannel();
  session.emit(
    command === undefined ? "shell" : "exec",
    () => channel as unknown as ServerChannel,
    () => {},
    { command },
  );
  return channel;
}

function makeTerminal(onQuit: () => void = () => {}) {
  return new Terminal({
    greeting: () => ["hello"],
    exec: async (command) => ({
      text: `ran ${command}\nsecond \u001b[2Jline`,
      code: command === "ok" ? 0 : 2,
    }),
    onQuit,
  });
}

test("lines printed before the shell opens are shown after the greeting, in order", async () => {
  const terminal = makeTerminal();
  terminal.print("first");
  const waiting = terminal.waitForSession(1_000);
  terminal.print("second");
  assert.equal(terminal.hasConsole, false);
  const channel = openShell(terminal);
  assert.equal(await waiting, true);
  terminal.print("live");
  assert.equal(channel.output, "hello\r\nfirst\r\nsecond\r\nlive\r\n");
});

test("waitForSession gives up after its timeout", async () => {
  assert.equal(await makeTerminal().waitForSession(20), false);
});

test("a turn's lines leave in one write, in order, and before the exit status", async () => {
  // One SSH packet per ~150-byte line made OpenSSH leave a followed log unread in its socket for
  // seconds once its reader had been held up; a turn's lines go out together.
  const terminal = makeTerminal();
  const channel = openShell(terminal);
  await new Promise((resolve) => setImmediate(resolve));
  const before = channel.writes;
  for (let i = 0; i < 200; i++) terminal.print(`row ${i}`);
  assert.equal(channel.writes, before, "nothing is written until the turn ends");
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(channel.writes, before + 1);
  assert.match(channel.output, /^row 0\r\nrow 1\r\n(row \d+\r\n)*row 199\r\n$/m);
  terminal.print("last words");
  terminal.close("Bye", 0);
  assert.equal(channel.exitCode, 0);
  assert.match(channel.output, /row 199\r\nlast words\r\nBye\r\n$/, "flushed before exit and end");
});

test("control characters never reach the user's terminal", () => {
  assert.equal(sanitize("GET /\u001b[2J\u0007x\r\n\u009b"), "GET /?[2J?x???");
  const terminal = makeTerminal();
  const channel = openShell(terminal);
  terminal.print("evil \u001b]0;title\u0007");
  assert.ok(!channel.output.includes("\u001b"));
});

test("typed `exit`, Ctrl-C and Ctrl-D quit; with a pty other input is echoed and answered", () => {
  for (const pty of [true, false]) {
    for (const input of ["exit\r", "quit\n", "\u0003", "\u0004"]) {
      let quit = 0;
      const channel = openShell(
        makeTerminal(() => quit++),
        undefined,
        { pty },
      );
      channel.emit("data", Buffer.from(input));
      assert.equal(quit, 1, JSON.stringify(input));
    }
  }
  let quit = 0;
  const channel = openShell(
    makeTerminal(() => quit++),
    undefined,
    { pty: true },
  );
  channel.emit("data", Buffer.from("lsx\u007f\r"));
  assert.equal(quit, 0);
  assert.ok(
    channel.output.endsWith(
      "hello\r\nlsx\b \b\r\nBurrow has no shell: type help for what it does, or exit (or Ctrl-C) to close the tunnels.\r\n",
    ),
    JSON.stringify(channel.output),
  );
});

test("without a pty (ssh -T, as burrow-connect runs) typed lines are answered but not echoed", () => {
  // The user's own terminal shows what they type then: an echo would show every line twice.
  const channel = openShell(makeTerminal(), undefined, { pty: false });
  channel.emit("data", Buffer.from("ls\n"));
  channel.emit("data", Buffer.from("lsx\u007f\n"));
  assert.equal(
    channel.output,
    "hello\r\n" +
      "Burrow has no shell: type help for what it does, or exit (or Ctrl-C) to close the tunnels.\r\n".repeat(
        2,
      ),
  );
});

test("one of the relay's ssh commands typed in the console is told where it runs", () => {
  const typed: string[] = [];
  const terminal = new Terminal({
    greeting: () => [],
    exec: async () => ({ text: "", code: 0 }),
    commandTyped: (line) => {
      typed.push(line);
      return line.startsWith("logs") ? `Run that from another terminal: ssh relay ${line}` : undefined;
    },
    onQuit: () => {},
  });
  const channel = openShell(terminal);
  channel.emit("data", Buffer.from("  logs   MyApp -n 5\nwhoami\n"));
  assert.deepEqual(typed, ["logs MyApp -n 5", "whoami"], "as typed, spaces collapsed");
  assert.equal(
    channel.output,
    "Run that from another terminal: ssh relay logs MyApp -n 5\r\n" +
      "Burrow has no shell: type help for what it does, or exit (or Ctrl-C) to close the tunnels.\r\n",
  );
});

test("`help` typed in an open session prints the relay's help", () => {
  const terminal = new Terminal({
    greeting: () => ["hello"],
    exec: async () => ({ text: "", code: 0 }),
    help: () => "Burrow serves HTTP tunnels:\n  ssh … names",
    onQuit: () => {},
  });
  const channel = openShell(terminal, undefined, { pty: true });
  channel.emit("data", Buffer.from("HELP\r"));
  assert.match(
    channel.output,
    /HELP\r\nBurrow serves HTTP tunnels:\r\n {2}ssh … names\r\nPress Ctrl-C or type exit/,
  );
  assert.doesNotMatch(channel.output, /no shell/);
});

test("exec requests run the command: its text, sanitised, and its exit status; a failure's text on stderr", async () => {
  for (const [command, code] of [
    ["ok", 0],
    ["ls", 2],
  ] as const) {
    const channel = openShell(makeTerminal(), command);
    await new Promise((resolve) => setImmediate(resolve));
    const [shown, other] =
      code === 0 ? [channel.output, channel.stderr.output] : [channel.stderr.output, channel.output];
    assert.equal(shown, `ran ${command}\r\nsecond ?[2Jline\r\n`, command);
    assert.equal(other, "", `${command}: nothing on the other stream`);
    assert.equal(channel.exitCode, code);
    assert.ok(channel.ended);
  }
});

test("close prints the last line and ends every console", () => {
  const terminal = makeTerminal();
  const channel = openShell(terminal);
  terminal.close("bye");
  assert.ok(channel.output.endsWith("bye\r\n"));
  assert.equal(channel.exitCode, 0);
  assert.ok(channel.ended);
  assert.equal(terminal.hasConsole, false);
});

/** A terminal whose one command goes on printing until its user leaves (as logs --follow). */
function followingTerminal() {
  const running: { output?: CommandOutput; stopped: boolean } = { stopped: false };
  const terminal = new Terminal({
    greeting: () => [],
    exec: async (_command, output) => {
      running.output = output;
      output.note("Following; Ctrl-C to stop.");
      output.print("first \u001b[2J");
      await output.closed;
      running.stopped = true;
      // Printing after the stop reaches nobody.
      output.print("after");
      return { text: "", code: 0 };
    },
    onQuit: () => {},
  });
  return { terminal, running };
}

test("a running command prints as it goes, its notes on stderr; Ctrl-C with ssh -t stops it (exit 0)", async () => {
  const { terminal, running } = followingTerminal();
  const channel = openShell(terminal, "logs myapp -f");
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(terminal.hasCommand, true, "the connection must not be closed as idle");
  assert.equal(channel.output, "first ?[2J\r\n");
  assert.equal(channel.stderr.output, "Following; Ctrl-C to stop.\r\n");
  assert.equal(running.stopped, false);
  // Typed input that is not Ctrl-C or Ctrl-D does not stop it.
  channel.emit("data", Buffer.from("q\r"));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(running.stopped, false);
  channel.emit("data", Buffer.from([0x03]));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(running.stopped, true);
  assert.equal(running.output?.isClosed, true);
  assert.equal(channel.output, "first ?[2J\r\n", "nothing printed after the stop");
  assert.equal(channel.exitCode, 0);
  assert.ok(channel.ended);
  assert.equal(terminal.hasCommand, false);
});

test("a running command ends when its channel closes, and the relay's close tells it why on stderr", async () => {
  const left = followingTerminal();
  const channel = openShell(left.terminal, "logs myapp -f");
  await new Promise((resolve) => setImmediate(resolve));
  channel.emit("close");
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(left.running.stopped, true);
  assert.equal(left.terminal.hasCommand, false);

  const closing = followingTerminal();
  const following = openShell(closing.terminal, "logs myapp -f");
  await new Promise((resolve) => setImmediate(resolve));
  closing.terminal.close("The Burrow relay is shutting down.", 1);
  assert.ok(following.stderr.output.endsWith("The Burrow relay is shutting down.\r\n"));
  assert.equal(following.exitCode, 1);
  assert.ok(following.ended);
  assert.equal(closing.terminal.hasCommand, false);
});
