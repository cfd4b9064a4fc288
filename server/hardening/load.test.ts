import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";
import { connectSsh2, type Ssh2Tunnel } from "./ssh2-client.ts";

const TUNNELS = 200;
/** Connections opened at once while setting up the 200 tunnels (each signs in against the database). */
const CONNECT_BATCH = 25;

let t: TestRelay;
before(async () => {
  t = await startTestRelay({
    // 200 connections from one key: the per-key cap is a separate, tested protection.
    BURROW_MAX_CONNECTIONS_PER_KEY: String(TUNNELS + 10),
  });
});
after(() => t.close());

interface Tally {
  statuses: Map<number, number>;
  errors: string[];
  requests: number;
}

/** GETs through the relay on a keep-alive agent until the deadline or the request cap. */
async function hammer(agent: http.Agent, host: string, deadline: number, cap: number, tally: Tally) {
  while (Date.now() < deadline && tally.requests < cap) {
    tally.requests++;
    const n = tally.requests;
    await new Promise<void>((resolve) => {
      const req = http.get(
        {
          host: "127.0.0.1",
          port: t.httpPort,
          path: `/load/${n}`,
          headers: { host },
          agent,
          timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
            const body = Buffer.concat(chunks).toString();
            if (status === 200 && !body.includes(`"/load/${n}"`)) tally.errors.push(`wrong body for ${n}`);
            resolve();
          });
          res.on("error", (error) => {
            tally.errors.push(error.message);
            resolve();
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (error) => {
        tally.errors.push(error.message);
        resolve();
      });
    });
  }
}

test("64 keep-alive connections for 10 s through one tunnel: every request answered 200", async () => {
  const user = await t.createUserWithKey();
  await t.reserve(user, "loadtest");
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`loadtest:80:127.0.0.1:${app.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());

  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const tally: Tally = { statuses: new Map(), errors: [], requests: 0 };
  const deadline = Date.now() + 10_000;
  await Promise.all(
    Array.from({ length: 64 }, () => hammer(agent, "loadtest.localhost", deadline, 500_000, tally)),
  );
  agent.destroy();
  ssh.kill();

  const summary = `${tally.requests} requests, statuses ${JSON.stringify([...tally.statuses])}, errors ${tally.errors.slice(0, 5).join("; ")}`;
  assert.deepEqual(tally.errors, [], summary);
  assert.deepEqual([...tally.statuses.keys()], [200], summary);
  // Every connection took part, many times each; not a speed target.
  assert.ok(tally.requests >= 64 * 10, summary);
});

test("200 tunnels on 200 SSH connections answer their own names, all at once", async () => {
  const user = await t.createUserWithKey();
  const names = Array.from({ length: TUNNELS }, (_, i) => `many-${String(i).padStart(3, "0")}`);
  await t.db.reservation.createMany({ data: names.map((name) => ({ name, userId: user.id })) });
  const app = await t.startLocalApp();
  const clients: Ssh2Tunnel[] = [];
  try {
    for (let i = 0; i < names.length; i += CONNECT_BATCH) {
      const batch = names.slice(i, i + CONNECT_BATCH);
      await Promise.all(
        batch.map(async (name) => {
          const client = await connectSsh2({
            sshPort: t.sshPort,
            keyPath: user.keyPath,
            localPort: app.port,
          });
          clients.push(client);
          assert.ok(await client.forward(name), `forward of ${name} refused`);
        }),
      );
    }
    assert.equal(t.relay.registry.list().filter((tunnel) => tunnel.userId === user.id).length, TUNNELS);

    const answers = await Promise.all(
      names.map(async (name) => {
        const res = await t.fetchTunnel(name, `/who/${name}`);
        return { name, status: res.status, host: res.json?.headers.host, path: res.json?.path };
      }),
    );
    const wrong = answers.filter(
      (a) => a.status !== 200 || a.host !== `${a.name}.localhost` || a.path !== `/who/${a.name}`,
    );
    assert.deepEqual(wrong, []);
  } finally {
    for (const client of clients) client.end();
  }
  await t.waitFor(
    () => t.relay.registry.list().every((tunnel) => tunnel.userId !== user.id),
    "the 200 tunnels to close",
  );
});
