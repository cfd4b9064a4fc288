import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import type { ServerChannel, Session } from "ssh2";
import { sanitize, Terminal } from "./terminal.ts";

/** Just enough of an ssh2 channel for the console: records writes and the exit status. */
class FakeChannel extends EventEmitter {
  writable = true;
  output = "";
  exitCode: number | undefined;
  ended = false;
  write(data: string | Buffer): boolean {
    this.output += data.toString();
    return true;
  }
  exit(code: number): void {
    this.exitCode = code;
  }
  end(): void {
    this.ended = true;
  }
}

/** A session on the terminal, and its shell (or, with `command`, its exec request). */
function openShell(terminal: Terminal, command?: string): FakeChannel {
  const session = new EventEmitter();
  terminal.attach(session as unknown as Session);
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
  const waiting = terminal.waitForConsole(1_000);
  terminal.print("second");
  assert.equal(terminal.hasConsole, false);
  const channel = openShell(terminal);
  assert.equal(await waiting, true);
  terminal.print("live");
  assert.equal(channel.output, "hello\r\nfirst\r\nsecond\r\nlive\r\n");
});

test("waitForConsole gives up after its timeout", async () => {
  assert.equal(await makeTerminal().waitForConsole(20), false);
});

test("control characters never reach the user's terminal", () => {
  assert.equal(sanitize("GET /\u001b[2J\u0007x\r\n\u009b"), "GET /?[2J?x???");
  const terminal = makeTerminal();
  const channel = openShell(terminal);
  terminal.print("evil \u001b]0;title\u0007");
  assert.ok(!channel.output.includes("\u001b"));
});

test("typed `exit`, Ctrl-C and Ctrl-D quit; other input is echoed and answered", () => {
  for (const input of ["exit\r", "quit\n", "\u0003", "\u0004"]) {
    let quit = 0;
    const channel = openShell(makeTerminal(() => quit++));
    channel.emit("data", Buffer.from(input));
    assert.equal(quit, 1, JSON.stringify(input));
  }
  let quit = 0;
  const channel = openShell(makeTerminal(() => quit++));
  channel.emit("data", Buffer.from("lsx\u007f\r"));
  assert.equal(quit, 0);
  assert.ok(channel.output.includes("lsx\b \b\r\nBurrow has no shell"), JSON.stringify(channel.output));
});

test("exec requests run the command: its text, sanitised, and its exit status", async () => {
  for (const [command, code] of [
    ["ok", 0],
    ["ls", 2],
  ] as const) {
    const channel = openShell(makeTerminal(), command);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(channel.output, `ran ${command}\r\nsecond ?[2Jline\r\n`);
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
