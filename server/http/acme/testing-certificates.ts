/** Test scaffolding: certificates as the relay keeps them in the data dir. Not for production use. */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Stores a self-signed certificate for `host`, valid `days`, as the relay keeps one. */
export function storeTestCertificate(dataDir: string, key: string, host: string, days: number): void {
  const dir = join(dataDir, "certificates");
  mkdirSync(dir, { recursive: true });
  const [keyFile, certFile] = [join(dir, `${key}.key.tmp`), join(dir, `${key}.crt.tmp`)];
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat(
      ["-days", String(days), "-subj", `/CN=${host}`, "-addext", `subjectAltName=DNS:${host}`],
      ["-keyout", keyFile, "-out", certFile],
    ),
    { stdio: "ignore" },
  );
  writeFileSync(join(dir, `${key}.pem`), readFileSync(certFile, "utf8") + readFileSync(keyFile, "utf8"), {
    mode: 0o600,
  });
  rmSync(keyFile);
  rmSync(certFile);
}
