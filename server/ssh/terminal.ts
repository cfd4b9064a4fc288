import type { ServerChannel, Session } from "ssh2";
import { flushText, sendText } from "./channel-text.ts";
import { messages } from "./messages.ts";

/** Lines kept for a session that has not opened yet: enough for the greeting and a burst of refusals. */
const MAX_BUFFERED_LINES = 200;
/** Announcements kept for a command that has not started yet: a few lines per forward. */
const MAX_ANNOUNCEMENTS = 40;

const CTRL_C = 0x03;
const CTRL_D = 0x04;
const BACKSPACE = 0x7f;
const CTRL_H = 0x08;

export interface TerminalOptions {
  /** Lines printed when a shell opens, before anything buffered. */
  greeting: () => string[];
  /**
   * Runs `ssh … <command>` (an exec request): what to print at the end and the exit status (with a
   * status other than 0 the text goes to stderr). A command that goes on (logs --follow) prints
   * through `output` until `output.closed`. `exitStatus`, when given, is what ssh exits with instead
   * of `code`: a command that worked beside a -R that did not.
   */
  exec: (
    command: string,
    output: CommandOutput,
  ) => Promise<{ text: string; code: number; exitStatus?: number }>;
  /** What `help` typed in an open session prints: the relay's commands. */
  help?: () => string;
  /**
   * What a line typed in an open session that is one of the relay's ssh commands (`names`,
   * `logs myapp`) is answered: where to run it instead. Undefined for any other line.
   */
  commandTyped?: (line: string) => string | undefined;
  /** A shell opened: printed lines reach the user from now on. */
  onConsoleOpen?: () => void;
  /** The user pressed Ctrl-C / Ctrl-D or typed `exit`: close the whole connection. */
  onQuit: () => void;
}

/** What a running exec command prints to, and when its user has left. */
export interface CommandOutput {
  /** Prints one line to the command's output, sanitised; nothing once it has closed. */
  print(line: string): void;
  /** Prints one line to its stderr (ssh's own), so a pipe gets only the output. */
  note(line: string): void;
  /** Resolves when the user closes the command: the channel closed, or Ctrl-C / Ctrl-D with ssh -t. */
  closed: Promise<void>;
  /** True once `closed` has resolved (or is about to). */
  readonly isClosed: boolean;
}

/**
 * The text side of one SSH connection. OpenSSH opens a session channel unless run with -N; the relay
 * has no shell to offer, so the session becomes a status console: greeting, one line per forward,
 * refusals with their reason and a live line per request. Lines printed before the session opens
 * (forward replies usually race the session's channel-open) are buffered and flushed when it does.
 */
export class Terminal {
  readonly #options: TerminalOptions;
  readonly #channels = new Set<ServerChannel>();
  /** Exec channels whose command is still running. */
  readonly #commands = new Set<ServerChannel>();
  #buffer: string[] = [];
  #dropped = 0;
  /** What announce() said so far (the newest MAX_ANNOUNCEMENTS), for commands that start later. */
  #announcements: string[] = [];
  #typed = "";
  #sessionSeen = false;
  #sessionWaiters: (() => void)[] = [];
  /** Lines skipped on each channel since its client stopped reading (see #printTo). */
  readonly #skipped = new Map<ServerChannel, number>();

  constructor(options: TerminalOptions) {
    this.#options = options;
  }

  /** True once the client opened a session channel (it runs without -N). */
  get hasSession(): boolean {
    return this.#sessionSeen;
  }

  /** True while an exec request's command runs (logs --follow may run for hours). */
  get hasCommand(): boolean {
    return this.#commands.size > 0;
  }

  /** True while a shell channel is open, i.e. printed lines reach the user now. */
  get hasConsole(): boolean {
    return this.#channels.size > 0;
  }

  /**
   * Waits up to `ms` for a shell or a command to open: somewhere a refusal can be printed. Used
   * before refusing a forward: OpenSSH sends its forward requests before opening the session, and
   * the refusal should be readable before the client (perhaps with ExitOnForwardFailure) reacts to
   * it.
   */
  waitForSession(ms: number): Promise<boolean> {
    if (this.hasConsole || this.hasCommand) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#sessionWaiters = this.#sessionWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, ms);
      this.#sessionWaiters.push(waiter);
    });
  }

  /**
   * Prints one line. Text is sanitised: request lines carry visitor-controlled paths, and escape
   * sequences must never reach the user's terminal.
   */
  print(line: string): void {
    const clean = sanitize(line);
    if (this.#channels.size === 0) {
      this.#buffer.push(clean);
      if (this.#buffer.length > MAX_BUFFERED_LINES) {
        this.#buffer.shift();
        this.#dropped++;
      }
      return;
    }
    for (const channel of this.#channels) this.#printTo(channel, clean);
  }

  /**
   * Prints a line about the connection's forwards ("Forwarding http://… -> …"): in the console like
   * print(), and, where there is none, on the stderr of every running command and of each one that
   * starts later. `ssh -R myapp:80:… relay logs myapp -f` opens a command instead of a console,
   * and without this its user never saw the tunnel's address. stderr, so a pipe (`| grep`) and
   * `--json` output get only the command's own lines.
   */
  announce(line: string): void {
    const clean = sanitize(line);
    this.print(clean);
    this.#announcements.push(clean);
    if (this.#announcements.length > MAX_ANNOUNCEMENTS) this.#announcements.shift();
    if (this.#channels.size === 0) this.noteToCommands(clean);
  }

  /**
   * Prints one line on the stderr of every running command (`ssh -R … relay names`), which has no
   * console to show it: what went wrong beside the command, such as a refused -R.
   */
  noteToCommands(line: string): void {
    for (const channel of this.#commands) writeErrorLine(channel, sanitize(line));
  }

  /**
   * Writes a line unless the client has a channel's worth (ssh2's 2 MiB high-water mark) unread;
   * then counts it, and once the client has read everything says how many lines it missed. A
   * client whose terminal stopped reading (Ctrl-S, a pager or a pipe left stopped) still answers
   * keepalives, so without a cap every request line of a busy tunnel (or every row of a followed
   * log) piled up in the relay's memory for as long as it stayed connected.
   */
  #printTo(channel: ServerChannel, line: string): void {
    if (!channel.writable) return;
    if (!channel.writableNeedDrain) {
      writeLine(channel, line);
      return;
    }
    const skipped = this.#skipped.get(channel);
    this.#skipped.set(channel, (skipped ?? 0) + 1);
    if (skipped !== undefined) return;
    const forget = () => this.#skipped.delete(channel);
    channel.once("close", forget);
    channel.once("drain", () => {
      channel.off("close", forget);
      const count = this.#skipped.get(channel) ?? 0;
      forget();
      const lines = count === 1 ? "1 line" : `${count} lines`;
      writeLine(channel, `(${lines} not shown: your terminal was not reading them)`);
    });
  }

  /** Wires a `session` channel request: pty/env/window-change accepted, shell = console, exec = a command. */
  attach(session: Session): void {
    this.#sessionSeen = true;
    // Without a pty (ssh -T, as burrow-connect runs it) the user's own terminal echoes what is
    // typed, line by line; with one it is raw, and only the relay's echo shows the typing.
    let pty = false;
    session.on("pty", (accept) => {
      pty = true;
      accept?.();
    });
    session.on("env", (accept) => accept?.());
    session.on("window-change", (accept) => accept?.());
    // No agent, X11 or subsystems (sftp): the relay has nothing for them.
    session.on("auth-agent", (_accept, reject) => reject?.());
    session.on("x11", (_accept, reject) => reject?.());
    session.on("subsystem", (_accept, reject) => reject?.());
    session.on("sftp", (_accept, reject) => reject?.());
    session.on("shell", (accept) => {
      const channel = accept();
      if (channel) this.#openConsole(channel, pty);
    });
    session.on("exec", (accept, _reject, info) => {
      const channel = accept();
      if (!channel) return;
      channel.on("error", () => {});
      // Forwards set up before the command started (OpenSSH sends -R before opening its session).
      if (this.#channels.size === 0) for (const line of this.#announcements) writeErrorLine(channel, line);
      this.#commands.add(channel);
      this.#sessionOpened();
      let open = true;
      const closed = new Promise<void>((resolve) => {
        const close = () => {
          open = false;
          resolve();
        };
        channel.on("close", () => {
          this.#commands.delete(channel);
          close();
        });
        // Without a pty, Ctrl-C ends the ssh client and so the channel; with ssh -t it arrives as a
        // byte. The client's end of input (ssh -n, a closed pipe) is not a stop: it asks nothing.
        channel.on("data", (data: Buffer) => {
          if (data.includes(CTRL_C) || data.includes(CTRL_D)) close();
        });
      });
      const output: CommandOutput = {
        print: (line) => {
          if (open) this.#printTo(channel, sanitize(line));
        },
        note: (line) => {
          if (open) writeErrorLine(channel, sanitize(line));
        },
        closed,
        get isClosed() {
          return !open;
        },
      };
      void this.#options
        .exec(info.command, output)
        .then(({ text, code, exitStatus }) => {
          this.#commands.delete(channel);
          if (!channel.writable) return;
          // The command's text may echo what was typed: sanitised like every other line. A failed
          // command's text is its error (and the help it needs): on stderr, so `ssh relay names |
          // grep x` and scripts get only real output, and `2>/dev/null` silences the errors.
          const clean = text ? toCrlf(text.split("\n").map(sanitize).join("\n")) : "";
          if (clean && code === 0) sendText(channel, clean);
          flushText(channel);
          if (clean && code !== 0 && channel.stderr.writable) channel.stderr.write(clean);
          channel.exit(exitStatus ?? code);
          channel.end();
        })
        // The client went away while the command ran: nothing left to tell it.
        .catch(() => channel.close());
    });
  }

  /**
   * Says goodbye on every open console and running command (on its stderr, so a pipe is not fed
   * it) and closes them; ssh exits with `exitStatus`.
   */
  close(finalLine?: string, exitStatus = 0): void {
    for (const channel of this.#channels) {
      if (finalLine) writeLine(channel, sanitize(finalLine));
      flushText(channel);
      channel.exit(exitStatus);
      channel.end();
    }
    this.#channels.clear();
    for (const channel of this.#commands) {
      if (finalLine) writeErrorLine(channel, sanitize(finalLine));
      flushText(channel);
      if (channel.writable) {
        channel.exit(exitStatus);
        channel.end();
      }
    }
    this.#commands.clear();
  }

  #openConsole(channel: ServerChannel, echo: boolean): void {
    channel.on("error", () => {});
    channel.on("close", () => this.#channels.delete(channel));
    for (const line of this.#options.greeting()) writeLine(channel, sanitize(line));
    if (this.#dropped > 0) writeLine(channel, `(${this.#dropped} earlier lines not shown)`);
    for (const line of this.#buffer) writeLine(channel, line);
    this.#buffer = [];
    this.#dropped = 0;
    this.#channels.add(channel);
    channel.on("data", (data: Buffer) => this.#onInput(channel, data, echo));
    this.#sessionOpened();
    this.#options.onConsoleOpen?.();
  }

  #sessionOpened(): void {
    const waiters = this.#sessionWaiters;
    this.#sessionWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /**
   * With a pty the client's terminal is raw: the relay echoes what is typed (`echo`) and reads
   * `exit` itself. Without a pty (ssh -T) lines arrive whole, already shown by the user's terminal,
   * which echoing again would show twice.
   */
  #onInput(channel: ServerChannel, data: Buffer, echo: boolean): void {
    // Typing into a console that is not read is not echoed (nor answered): the echo would pile up.
    if (channel.writableNeedDrain) {
      if (data.includes(CTRL_C) || data.includes(CTRL_D)) this.#options.onQuit();
      return;
    }
    for (const byte of data) {
      if (byte === CTRL_C || byte === CTRL_D) {
        this.#options.onQuit();
        return;
      }
      if (byte === 0x0d || byte === 0x0a) {
        const typed = this.#typed.trim().replace(/\s+/g, " ");
        const command = typed.toLowerCase();
        this.#typed = "";
        if (echo) sendText(channel, "\r\n");
        if (command === "exit" || command === "quit" || command === "logout") {
          this.#options.onQuit();
          return;
        }
        // `help` is what people type first in a console they do not know: answer it.
        if ((command === "help" || command === "?") && this.#options.help) {
          for (const line of this.#options.help().split("\n")) writeLine(channel, sanitize(line));
          writeLine(channel, messages.quitHint);
        } else if (command) {
          const elsewhere = this.#options.commandTyped?.(typed);
          writeLine(
            channel,
            sanitize(
              elsewhere ??
                "Burrow has no shell: type help for what it does, or exit (or Ctrl-C) to close the tunnels.",
            ),
          );
        }
      } else if (byte === BACKSPACE || byte === CTRL_H) {
        if (this.#typed) {
          this.#typed = this.#typed.slice(0, -1);
          if (echo) sendText(channel, "\b \b");
        }
      } else if (byte >= 0x20 && byte < 0x7f && this.#typed.length < 80) {
        this.#typed += String.fromCharCode(byte);
        if (echo) sendText(channel, String.fromCharCode(byte));
      }
    }
  }
}

function writeLine(channel: ServerChannel, line: string): void {
  if (channel.writable) sendText(channel, `${line}\r\n`);
}

/** A line on the channel's stderr (ssh's own), which a pipe on the user's side does not get. */
function writeErrorLine(channel: ServerChannel, line: string): void {
  if (channel.stderr.writable) channel.stderr.write(`${line}\r\n`);
}

function toCrlf(text: string): string {
  return `${text.replace(/\r?\n/g, "\r\n").replace(/(\r\n)?$/, "")}\r\n`;
}

/** Replaces C0/C1 control characters (ESC, BEL, CR, …) so nothing can drive the user's terminal. */
export function sanitize(line: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return line.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
}
