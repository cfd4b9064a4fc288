import { type CommandContext, parseCommandArgs } from "../command.ts";
import { bootRelay } from "../runtime.ts";
import { Teardown } from "../teardown.ts";

/** `burrow relay`; its help and usage line are in ../command-table.ts. */
export async function runRelayCommand(context: CommandContext): Promise<number> {
  parseCommandArgs(context.args, {}, { required: [] });
  const env = context.env();
  const interrupted = context.interrupted();
  const stop = new AbortController();
  void interrupted.then(() => stop.abort());
  const teardown = new Teardown((line) => context.note(line));
  try {
    const { relay } = await bootRelay(env, { teardown, signal: stop.signal, note: context.note });
    context.note(
      `Relay running: SSH on port ${relay.ports.sshPort} (host key ${relay.hostKeyFingerprint}), ` +
        `HTTP on port ${relay.ports.httpPort}${relay.ports.httpsPort ? `, HTTPS on port ${relay.ports.httpsPort}` : ""}. Stop with Ctrl-C.`,
    );
    const signal = await interrupted;
    context.note(`${signal}: stopping (draining open requests)…`);
    return 0;
  } catch (error) {
    if (stop.signal.aborted) return 0;
    throw error;
  } finally {
    await teardown.run();
    // The last line: an operator watching the terminal (or a unit's log) knows it is over.
    if (stop.signal.aborted) context.note("Stopped.");
  }
}
