import { type Command, parseCommandArgs } from "../command.ts";
import { bootRelay } from "../runtime.ts";
import { Teardown } from "../teardown.ts";

export const relayCommand: Command = {
  name: "relay",
  synopsis: "",
  summary: "Run the SSH relay and tunnel HTTP edge only (no dashboard)",
  details: `For running the dashboard elsewhere (e.g. \`next start\` on another host): both need the same
DATABASE_URL and AUTH_SECRET.`,
  async run(context) {
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
  },
};
