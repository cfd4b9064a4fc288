/**
 * A test relay (server/http/testing.ts) in its own process, so a test can measure the relay's memory
 * without counting its own (server/testing/memory-probe.ts). Not for production use.
 *
 * Env BURROW_EDGE_TEST_DB_URL is the test database. Besides the probe's commands:
 * { cmd: "tunnel", name, port } opens an OpenSSH tunnel `name` to the local port → { tunnel: name }.
 */
import { createDb } from "../../lib/db.ts";
import { serveMemoryProbe } from "../testing/memory-probe.ts";
import { type SshTunnelClient, startEdgeTestRelay, startSshTunnel } from "./testing.ts";

async function main(): Promise<void> {
  const url = process.env.BURROW_EDGE_TEST_DB_URL;
  if (!url) throw new Error("run through forkMemoryProbe() with BURROW_EDGE_TEST_DB_URL");
  const db = createDb(url, { max: 2, applicationName: "burrow-test-relay-process" });
  const relay = await startEdgeTestRelay({ db });
  const clients: SshTunnelClient[] = [];
  serveMemoryProbe({
    httpPort: relay.httpPort,
    async handle(command) {
      if (command.cmd !== "tunnel") throw new Error(`unknown command ${command.cmd}`);
      const name = String(command.name);
      clients.push(await startSshTunnel(relay, name, Number(command.port)));
      return { tunnel: name };
    },
    async close() {
      for (const client of clients) await client.stop();
      await relay.close();
      await db.$disconnect();
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
