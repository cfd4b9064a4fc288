import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { TunnelRegistry } from "../registry.ts";
import { OnlineWaits, type WaitState } from "./online-wait.ts";

test("a visitor gone before its wait begins (its name was still being looked up) takes no place among the waits", async (t) => {
  const waits = new OnlineWaits(new TunnelRegistry(), { timeoutMs: 60_000, maxWaiting: 1 });
  t.after(() => waits.close());
  const arrived: http.ServerResponse[] = [];
  const server = http.createServer((_req, res) => arrived.push(res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  const visit = () => {
    const req = http.get({ host: "127.0.0.1", port, agent: false });
    req.on("error", () => {});
    return req;
  };
  const until = async (count: number) => {
    while (arrived.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  // The first visitor leaves before the relay holds its request.
  const gone = visit();
  await until(1);
  const first = arrived[0]!;
  const closed = new Promise((resolve) => first.once("close", resolve));
  gone.destroy();
  await closed;
  let left = false;
  waits.hold(
    "napping",
    first,
    () => assert.fail("a visitor who left is not answered"),
    () => {
      left = true;
    },
  );
  assert.equal(left, true, "told at once that its visitor left (its row says so)");

  // The next one is held, not turned away as one too many.
  visit();
  await until(2);
  let state: WaitState | undefined;
  waits.hold("napping", arrived[1]!, (s) => {
    state = s;
  });
  assert.equal(state, undefined, "held, not answered 'busy'");
});
