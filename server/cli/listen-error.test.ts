import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { AppError } from "../../lib/errors.ts";
import { explainListenError } from "./listen-error.ts";

/** The error a real listen on `host` fails with. */
function listenError(host: string): Promise<unknown> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", resolve);
    server.listen(0, host, () => server.close(() => resolve(null)));
  });
}

test("a BURROW_LISTEN_HOST that is no address of this machine is said so in one line, not a stack trace", async () => {
  for (const host of ["999.1.1.1", "192.0.2.77"]) {
    const error = await listenError(host);
    assert.ok(error, `${host} should not be listenable here`);
    const explained = explainListenError(error);
    assert.ok(explained instanceof AppError, String(error));
    assert.equal(
      explained.message,
      `BURROW_LISTEN_HOST ${host} is not an address of this machine: use one of its own (ip addr shows them), or leave it unset to listen on all`,
    );
  }
});
