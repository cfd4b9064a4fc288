import assert from "node:assert/strict";
import { hostname } from "node:os";
import { after, before, test } from "node:test";
import { createLogger, type Logger } from "../../lib/logger.ts";
import { type RelayCommand, sendRelayCommand } from "../../lib/relay-control.ts";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import { finishesWithin } from "../../lib/time-limit.ts";
import { startTcpProxy, type TcpProxy } from "../testing/tcp-proxy.ts";
import { ControlListener } from "./control-listener.ts";
import { holdRelayLock, RelayLockConflict } from "./relay-lock.ts";

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

/** Every line logged, as "level message {fields}". */
function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    info: (message, fields) => lines.push(`info ${message} ${JSON.stringify(fields ?? {})}`),
    warn: (message, fields) => lines.push(`warn ${message} ${JSON.stringify(fields ?? {})}`),
    error: (message, fields) => lines.push(`error ${message} ${JSON.stringify(fields ?? {})}`),
    child: () => logger,
  };
  return logger;
}

/** A listener on the database, through `via` when given (a proxy the test can cut). */
function listenerOn(
  via: TcpProxy | undefined,
  options: {
    heard?: RelayCommand[];
    logLines?: string[];
    pingIntervalMs?: number;
    lockStaleMs?: number;
  } = {},
): ControlListener {
  const url = new URL(database.url);
  if (via) url.port = String(via.port);
  return new ControlListener({
    databaseUrl: url.toString(),
    logger: options.logLines ? recordingLogger(options.logLines) : createLogger({ silent: true }),
    onCommand: (command) => options.heard?.push(command),
    pingIntervalMs: options.pingIntervalMs,
    lockStaleMs: options.lockStaleMs,
  });
}

async function ownProxy(): Promise<TcpProxy> {
  const direct = new URL(database.url);
  const own = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  after(() => own.close());
  return own;
}

test("a second listener on the database is refused, naming this process; the first goes on hearing commands", async () => {
  const heard: RelayCommand[] = [];
  const first = listenerOn(undefined, { heard });
  await first.start();
  try {
    assert.equal(first.listening, true);
    const second = listenerOn(undefined, { heard });
    await assert.rejects(second.start(), (error: Error) => {
      assert.ok(error instanceof RelayLockConflict);
      assert.equal(error.holder?.pid, process.pid);
      assert.equal(error.holder?.host, hostname());
      assert.match(error.message, new RegExp(`^Another Burrow relay \\(pid ${process.pid} on `));
      return true;
    });
    assert.equal(second.listening, false);
    await second.stop();
    await sendRelayCommand(database.db, { type: "disconnect", name: "once" });
    await until(() => heard.length > 0, "the command", 5_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(heard, [{ type: "disconnect", name: "once" }], "heard once, by the first");
  } finally {
    await first.stop();
  }
  // Stopped: the database is free at once.
  const next = listenerOn(undefined);
  await next.start();
  assert.equal(next.listening, true);
  await next.stop();
});

test("a listener that lost its connection and got it back holds the database again: a second one is still refused", async () => {
  const cuttable = await ownProxy();
  const first = listenerOn(cuttable, { pingIntervalMs: 500 });
  await first.start();
  try {
    await until(() => first.listening, "the listener", 5_000);
    cuttable.cut();
    await until(() => !first.listening, "the connection to drop", 5_000);
    cuttable.restore();
    await until(() => first.listening, "the listener to reconnect", 10_000);
    const second = listenerOn(undefined);
    await assert.rejects(second.start(), RelayLockConflict);
    await second.stop();
  } finally {
    await first.stop();
  }
});

test("another relay that took the database during an outage: this one says so, hears no commands, and takes it back once the other stops", async () => {
  const cuttable = await ownProxy();
  const heardFirst: RelayCommand[] = [];
  const heardOther: RelayCommand[] = [];
  const lines: string[] = [];
  const first = listenerOn(cuttable, { heard: heardFirst, logLines: lines, pingIntervalMs: 500 });
  await first.start();
  let other: ControlListener | undefined;
  try {
    await until(() => first.listening, "the listener", 5_000);
    cuttable.cut();
    await until(() => !first.listening, "the connection to drop", 5_000);
    assert.equal(first.holdsLock, true, "only unreachable: no other holder known");
    // Started while the first cannot reach the database: nothing holds it.
    other = listenerOn(undefined, { heard: heardOther });
    await other.start();
    assert.equal(other.listening, true);
    cuttable.restore();
    await until(
      () => lines.some((line) => line.startsWith("error another relay took this relay's database")),
      "the first to say it lost its database",
      10_000,
    );
    assert.match(lines.find((line) => line.startsWith("error"))!, new RegExp(`pid ${process.pid} on `));
    assert.equal(first.listening, false);
    assert.equal(first.holdsLock, false, "the relay's SSH side refuses new forwards on this");
    await sendRelayCommand(database.db, { type: "disconnect", name: "lost" });
    await until(() => heardOther.length > 0, "the other to hear the command", 5_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(heardFirst, [], "only the relay holding the database carries out commands");

    await other.stop();
    await until(() => first.listening, "the first to take its database back", 10_000);
    assert.ok(lines.some((line) => line.startsWith("info this relay holds its database again")));
    assert.equal(first.holdsLock, true);
    assert.equal(lines.filter((line) => line.startsWith("error")).length, 1, "said once");
    await sendRelayCommand(database.db, { type: "disconnect", name: "back" });
    await until(() => heardFirst.length > 0, "the first to hear commands again", 5_000);
  } finally {
    await other?.stop();
    await first.stop();
  }
});

test("a holder whose connection has been silent past the limit (its machine gone) is taken over", async () => {
  const stalling = await ownProxy();
  // Checks far apart: the stalled connection stays the first one's, as on a machine that died.
  const first = listenerOn(stalling, { pingIntervalMs: 60_000 });
  await first.start();
  const lines: string[] = [];
  const next = listenerOn(undefined, { logLines: lines, lockStaleMs: 1_000 });
  try {
    await until(() => first.listening, "the listener", 5_000);
    stalling.hang();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await next.start();
    assert.equal(next.listening, true);
    assert.match(
      lines.find((line) => line.startsWith("warn took the database over"))!,
      new RegExp(`pid ${process.pid} on `),
    );
  } finally {
    stalling.cut();
    await first.stop();
    await next.stop();
  }
});

test("a listener handed a connection that holds the lock (taken before the relay migrated) listens on it; stop ends it, also when never started", async () => {
  const held = (await holdRelayLock(database.url)).handOver();
  const backend = (await held.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
  const heard: RelayCommand[] = [];
  const listener = new ControlListener({
    databaseUrl: database.url,
    logger: createLogger({ silent: true }),
    onCommand: (command) => heard.push(command),
    initialClient: held,
  });
  try {
    await listener.start();
    assert.equal(listener.listening, true);
    await sendRelayCommand(database.db, { type: "disconnect", name: "handed" });
    await until(() => heard.length > 0, "the command", 5_000);
    const activity = await database.db.$queryRaw<{ query: string }[]>`
      SELECT query FROM pg_stat_activity WHERE pid = ${backend}`;
    assert.match(activity[0]?.query ?? "", /^LISTEN /, "the lock's own session is the one listening");
    await assert.rejects(listenerOn(undefined).start(), RelayLockConflict);
  } finally {
    await listener.stop();
  }
  await assert.rejects(held.query("SELECT 1"), "stop() ended the handed connection");

  // Never started (the relay failed to listen before): stop() still lets go of the database.
  const unused = (await holdRelayLock(database.url)).handOver();
  await new ControlListener({
    databaseUrl: database.url,
    logger: createLogger({ silent: true }),
    onCommand: () => {},
    initialClient: unused,
  }).stop();
  const next = listenerOn(undefined);
  await next.start();
  assert.equal(next.listening, true);
  await next.stop();
});
