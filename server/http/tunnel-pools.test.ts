import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import type { Dispatcher } from "undici";
import { SshTunnel } from "../ssh/ssh-tunnel.ts";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";
import { TunnelPool } from "./tunnel-pools.ts";

let t: TestRelay;
before(async () => {
  t = await startTestRelay();
});
after(() => t.close());

const visitor = { ip: "203.0.113.7", port: 40_000 };

/** Sends one request through `pool`; resolves with its answer, or rejects with what failed it. */
function send(
  pool: TunnelPool,
  options: Dispatcher.DispatchOptions,
  onStart?: (controller: Dispatcher.DispatchController) => void,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const chunks: Buffer[] = [];
    pool.dispatch(
      visitor,
      options,
      {
        onRequestStart: (controller) => onStart?.(controller),
        onResponseStart: (_controller, code) => {
          status = code;
        },
        onResponseData: (_controller, chunk) => {
          chunks.push(chunk);
        },
        onResponseEnd: () => resolve({ status, body: Buffer.concat(chunks).toString() }),
        onResponseError: (_controller, error) => reject(error),
      },
      () => reject(new Error("busy")),
    );
  });
}

test("a channel given up before its request was sent carries no later request", async () => {
  // A page's visitor left while its request waited for a new channel: the relay drops that request
  // as the channel opens, which closes the channel. Until the SSH client confirms the close, the
  // channel looked free, and the next request (a form POST that cannot be sent again) went out on
  // it and failed as "your app closed the connection without answering" (502).
  const app = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => res.end(`${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`));
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  const user = await t.createUserWithKey();
  await t.reserve(user, "given-up");
  const ssh = await t.startSsh({
    user,
    forwards: [`given-up:80:127.0.0.1:${(app.address() as AddressInfo).port}`],
  });
  const tunnel = t.relay.registry.get("given-up");
  assert.ok(tunnel instanceof SshTunnel);
  const pool = new TunnelPool(tunnel);
  try {
    for (let round = 0; round < 5; round++) {
      let post: Promise<{ status: number; body: string }> | undefined;
      const abandoned = send(pool, { method: "GET", path: "/left", headers: {} }, (controller) => {
        controller.abort(new Error("visitor went away"));
        // The next request comes before the SSH client could answer the channel's close.
        setImmediate(() => {
          post = send(pool, { method: "POST", path: "/form", headers: {}, body: `round ${round}` });
          // Awaited below, once the abandoned request has failed.
          post.catch(() => {});
        });
      });
      await assert.rejects(abandoned);
      await t.waitFor(() => post !== undefined, "the form to be sent", 2_000);
      assert.deepEqual(await post, { status: 200, body: `POST /form round ${round}` });
    }
  } finally {
    pool.destroy();
    ssh.kill();
    app.closeAllConnections();
    await new Promise<void>((resolve) => app.close(() => resolve()));
  }
});
