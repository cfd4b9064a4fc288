import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createLogger } from "../../lib/logger.ts";
import { type RelayCommand, sendRelayCommand } from "../../lib/relay-control.ts";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import { finishesWithin } from "../../lib/time-limit.ts";
import { startTcpProxy, type TcpProxy } from "../testing/tcp-proxy.ts";
import { ControlListener } from "./control-listener.ts";

let database: TestDatabase;
let proxy: TcpProxy;
before(async () => {
  database = await createTestDatabase("control");
  const direct = new URL(database.url);
  proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
});
after(async () => {
  await proxy.close();
  await database.drop();
});

async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("a LISTEN connection that silently stopped carrying anything is replaced: commands arrive again", async () => {
  const url = new URL(database.url);
  url.port = String(proxy.port);
  const heard: RelayCommand[] = [];
  const states: boolean[] = [];
  const listener = new ControlListener({
    databaseUrl: url.toString(),
    logger: createLogger({ silent: true }),
    onCommand: (command) => heard.push(command),
    onListening: (listening) => states.push(listening),
    pingIntervalMs: 500,
  });
  await listener.start();
  try {
    await until(() => listener.listening, "the listener", 5_000);
    // The database moves (a failover): its old connection is never answered again, and nothing
    // closes it, while new connections reach the database at once.
    proxy.hang();
    proxy.failover();
    await until(
      async () => {
        await sendRelayCommand(database.db, { type: "disconnect", name: "moved" });
        return heard.some((c) => c.type === "disconnect" && c.name === "moved");
      },
      "a command sent after the failover",
      8_000,
    );
    assert.deepEqual(states.slice(0, 3), [true, false, true], "the gap was reported, so caches distrust it");
  } finally {
    // Without the check, the stalled connection is still the listener's: ending it would wait.
    proxy.cut();
    await listener.stop();
  }
});

test("stopping while the database does not answer does not wait for it", async () => {
  proxy.restore();
  const url = new URL(database.url);
  url.port = String(proxy.port);
  const listener = new ControlListener({
    databaseUrl: url.toString(),
    logger: createLogger({ silent: true }),
    onCommand: () => {},
    onListening: () => {},
    // Pings far apart: the stalled connection is still the listener's when it stops.
    pingIntervalMs: 60_000,
  });
  await listener.start();
  try {
    await until(() => listener.listening, "the listener", 5_000);
    proxy.hang();
    assert.ok(await finishesWithin(listener.stop(), 5_000), "stop() waited on the stalled connection");
  } finally {
    proxy.restore();
  }
});
