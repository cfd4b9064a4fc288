/**
 * Test scaffolding: a real ACME server (Let's Encrypt's pebble, Debian package `pebble`) and its
 * mock DNS (pebble-challtestsrv, answering 127.0.0.1 for every name), on 127.0.0.1 with free
 * ports. Not for production use.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { unusedPorts } from "../testing.ts";

const PEBBLE = "/usr/bin/pebble";
const CHALLTESTSRV = "/usr/bin/pebble-challtestsrv";

export interface Pebble {
  /** The ACME directory URL (https, served with a certificate signed by `caFile`). */
  directoryUrl: string;
  /** PEM of the CA that signed pebble's own HTTPS certificate (for BURROW_ACME_CA_FILE). */
  caFile: string;
  /** The root that pebble's issued certificates chain to (PEM). */
  issuingRoot: string;
  /** Orders pebble has accepted so far (counted from its log). */
  orders(): number;
  /** Pebble's output so far, for failure messages. */
  output(): string;
  close(): Promise<void>;
}

/**
 * Starts pebble validating HTTP-01 challenges on 127.0.0.1:`httpPort` (the relay's plain-HTTP
 * port), resolving every name to 127.0.0.1. Fails with the package to install when pebble is
 * missing, rather than skipping: CI installs it (.ci/run).
 */
export async function startPebble(options: { httpPort: number }): Promise<Pebble> {
  if (!existsSync(PEBBLE) || !existsSync(CHALLTESTSRV)) {
    throw new Error(`${PEBBLE} or ${CHALLTESTSRV} is missing: apt-get install pebble`);
  }
  const dir = mkdtempSync(join(tmpdir(), "burrow-pebble-"));
  const children: ChildProcess[] = [];
  let log = "";
  const stop = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill();
        await exited;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const caKey = join(dir, "ca-key.pem");
    const caFile = join(dir, "ca.pem");
    const key = join(dir, "key.pem");
    const csr = join(dir, "csr.pem");
    const cert = join(dir, "cert.pem");
    const ext = join(dir, "ext.cnf");
    const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
      ["req", "-x509", ...ec, "-days", "2", "-subj", "/CN=burrow test ACME CA"].concat([
        "-keyout",
        caKey,
        "-out",
        caFile,
      ]),
    );
    openssl(["req", "-new", ...ec, "-subj", "/CN=localhost", "-keyout", key, "-out", csr]);
    writeFileSync(ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    openssl(
      ["x509", "-req", "-in", csr, "-CA", caFile, "-CAkey", caKey, "-CAcreateserial"].concat([
        "-days",
        "2",
        "-extfile",
        ext,
        "-out",
        cert,
      ]),
    );

    const [acmePort, managementPort, tlsPort, dnsPort, challtestManagement] = await unusedPorts(5);
    const config = join(dir, "pebble.json");
    writeFileSync(
      config,
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${acmePort}`,
          managementListenAddress: `127.0.0.1:${managementPort}`,
          certificate: cert,
          privateKey: key,
          httpPort: options.httpPort,
          tlsPort,
          ocspResponderURL: "",
          externalAccountBindingRequired: false,
        },
      }),
    );
    const record = (child: ChildProcess) => {
      children.push(child);
      child.stdout?.on("data", (chunk: Buffer) => {
        log += chunk.toString();
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        log += chunk.toString();
      });
    };
    record(
      spawn(
        CHALLTESTSRV,
        ["-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", `127.0.0.1:${dnsPort}`].concat([
          "-http01",
          "",
          "-https01",
          "",
          "-tlsalpn01",
          "",
          "-management",
          `127.0.0.1:${challtestManagement}`,
        ]),
        { stdio: ["ignore", "pipe", "pipe"] },
      ),
    );
    record(
      spawn(PEBBLE, ["-config", config, "-dnsserver", `127.0.0.1:${dnsPort}`], {
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          // Validate at once (not after up to 15 s), never reject a nonce on purpose, and make
          // each order prove control again (no authorizations reused from an earlier order).
          PEBBLE_VA_NOSLEEP: "1",
          PEBBLE_WFE_NONCEREJECT: "0",
          PEBBLE_AUTHZREUSE: "0",
        },
      }),
    );
    const ca = readFileSync(caFile);
    const get = (url: string) =>
      new Promise<string>((resolve, reject) => {
        https
          .get(url, { ca }, (res) => {
            let body = "";
            res.on("data", (chunk: Buffer) => {
              body += chunk.toString();
            });
            res.on("end", () =>
              res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`)),
            );
          })
          .on("error", reject);
      });
    const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await get(directoryUrl);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`pebble did not start: ${error}\n${log}`);
        await sleep(50);
      }
    }
    const issuingRoot = await get(`https://127.0.0.1:${managementPort}/roots/0`);
    return {
      directoryUrl,
      caFile,
      issuingRoot,
      orders: () => log.match(/Added order/g)?.length ?? 0,
      output: () => log,
      close: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
