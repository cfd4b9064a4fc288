import pg from "pg";
import { RELAY_CONTROL_CHANNEL } from "../relay-control.ts";

/** What the relay would hear: every command sent on the control channel of the database at `url`. */
export async function listenToRelayCommands(
  url: string,
): Promise<{ commands: unknown[]; close(): Promise<void> }> {
  const commands: unknown[] = [];
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  listener.on("notification", (message) => commands.push(JSON.parse(message.payload ?? "null")));
  await listener.query(`LISTEN ${RELAY_CONTROL_CHANNEL}`);
  return { commands, close: () => listener.end() };
}
