import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { type EdgeFixture, type EdgeTestRelay, startEdgeFixture, TEST_DOMAIN, waitFor } from "./testing.ts";

const BODY = Buffer.alloc(8 * 1024 * 1024, 97);

let fixture: EdgeFixture;
let relay: EdgeTestRelay;

before(async () => {
  fixture = await startEdgeFixture({
    database: "edgetlsdl",
    https: true,
    // A download as apps send one: a Content-Length, then the body in pieces as the socket takes them.
    app: (_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": BODY.length });
      let sent = 0;
      const pump = () => {
        while (sent < BODY.length) {
          const chunk = BODY.subarray(sent, sent + 65536);
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      pump();
    },
    tunnels: ["download"],
  });
  ({ relay } = fixture);
});

after(() => fixture?.close());

test("an HTTPS download that curl reads to its last byte and hangs up on is logged as complete, not as the visitor going away", async () => {
  const host = `download.${TEST_DOMAIN}`;
  const port = relay.httpsPort ?? 0;
  // curl, in a process of its own, closes the moment it has the last byte. The race that logged
  // it as gone is a matter of timing (half the downloads here): a few rounds make it certain.
  const rounds = 12;
  for (let i = 0; i < rounds; i++) {
    const { stdout } = await promisify(execFile)("curl", [
      "-sS",
      "--insecure",
      "--output",
      "/dev/null",
      "--write-out",
      "%{http_code} %{size_download}",
      "--resolve",
      `${host}:${port}:127.0.0.1`,
      `https://${host}:${port}/file`,
    ]);
    assert.equal(stdout, `200 ${BODY.length}`);
  }
  const trace = relay.traces.get("download")!;
  await waitFor(() => trace.lines.length >= rounds, "a line per download");
  assert.deepEqual(
    trace.lines.filter((line) => line.includes("went away")),
    [],
    "every download arrived whole",
  );
});
