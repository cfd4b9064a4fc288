/**
 * OpenConnections on its own, with a stand-in state and check: what happens when the state cannot
 * be loaded, and how a link's expiry is timed. The real relay's behaviour is open-connections.test.ts.
 */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger, type LogFields, type Logger } from "../../lib/logger.ts";
import { PUBLIC_STATE } from "../../lib/sharing/relay-access.ts";
import { type Exchange, startExchange } from "../http/exchange.ts";
import { type ConnectionVerdict, OpenConnections } from "./open-connections.ts";

function openExchange(name: string): Exchange {
  return startExchange({
    name,
    tunnel: undefined,
    method: "GET",
    path: "/live",
    clientIp: "203.0.113.7",
    userAgent: undefined,
    requestHeaders: [],
    upgrade: true,
    visitorSocket: new PassThrough(),
  });
}

test("with the database unreachable an open connection stays; once it answers, the check applies", async () => {
  let reachable = false;
  const connections = new OpenConnections({
    state: () => (reachable ? Promise.resolve(PUBLIC_STATE) : Promise.reject(new Error("db down"))),
    admits: () => ({ admitted: false }),
    logger: createLogger({ silent: true }),
  });
  const exchange = openExchange("outage");
  connections.opened(exchange);
  await connections.recheck("outage");
  assert.equal(exchange.visitorSocket?.destroyed, false, "not cut for a state it could not read");
  assert.equal(connections.count("outage"), 1);

  reachable = true;
  await connections.recheck("outage");
  assert.equal(exchange.visitorSocket?.destroyed, true);
  assert.equal(exchange.error, "access_revoked");
  assert.equal(connections.count("outage"), 0);
  connections.close();
});

test("a state that cannot be loaded is logged in one line, with the reason Prisma gives last", async () => {
  const lines: { message: string; fields?: LogFields }[] = [];
  const logger: Logger = {
    info: () => {},
    warn: (message, fields) => lines.push({ message, fields }),
    error: (message, fields) => lines.push({ message, fields }),
    child: () => logger,
  };
  // Prisma's message for a dropped connection quotes the calling source over several lines.
  const prismaMessage =
    "\nInvalid `db.reservation.findUnique()` invocation in\n/srv/burrow/lib/sharing/relay-access.ts:63:44\n\n" +
    "  62 ): Promise<NameAccessState> {\n→ 63   const reservation = await db.reservation.findUnique(\n" +
    "Server has closed the connection.";
  const connections = new OpenConnections({
    state: () => Promise.reject(new Error(prismaMessage)),
    admits: () => ({ admitted: false }),
    logger,
  });
  connections.opened(openExchange("oneline"));
  await connections.recheck("oneline");
  const line = lines.find((l) => l.message.includes("open connection"));
  assert.equal(line?.fields?.error, "Server has closed the connection.");
  connections.close();
});

/** Polls until `check` holds (no fixed delays: a slow machine only waits longer). */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

test("a link's expiry wakes the check, which follows a later expiry; a connection that ended is forgotten", async () => {
  // The verdicts read this clock; the timers wait the real milliseconds up to the expiry on it.
  let clock = 0;
  let expiresAt = 20;
  let checks = 0;
  const connections = new OpenConnections({
    state: () => Promise.resolve(PUBLIC_STATE),
    admits: (): ConnectionVerdict => {
      checks += 1;
      return clock < expiresAt ? { admitted: true, until: expiresAt } : { admitted: false };
    },
    logger: createLogger({ silent: true }),
    now: () => clock,
  });
  const moved = openExchange("expiry");
  connections.opened(moved);
  await until(() => checks === 1, "the check on opening");
  // The link was given more time before it ran out: the wake-up at 20 reads the new expiry.
  expiresAt = 30;
  await until(() => checks === 2, "the wake-up at the expiry it knew");
  assert.equal(moved.visitorSocket?.destroyed, false, "still admitted then");
  clock = 1_000;
  await until(() => moved.visitorSocket?.destroyed === true, "the cut at the later expiry");
  assert.equal(moved.error, "access_revoked");

  clock = 0;
  expiresAt = 10;
  const ended = openExchange("expiry");
  connections.opened(ended);
  await until(() => checks === 4, "the check on opening");
  connections.ended(ended);
  clock = 1_000;
  await sleep(100);
  assert.equal(checks, 4, "no wake-up after it ended");
  assert.equal(ended.visitorSocket?.destroyed, false);
  connections.close();
});
