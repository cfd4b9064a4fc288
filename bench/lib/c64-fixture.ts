import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateEd25519KeyPair } from "../../lib/ssh-keys/generate.ts";
import { createBenchDatabase } from "./bench-database.ts";
import type { Cleanup } from "./cleanup.ts";
import { extraDir } from "./extra-result.ts";
import { provisionTunnelOwner } from "./provision.ts";
import { startSmallOrigin } from "./small-origin.ts";

export interface C64Fixture {
  databaseUrl: string;
  keyFile: string;
  name: string;
  originAddr: string;
}

/** A database with one user, key and name, that key on disk for OpenSSH, and a small local app. */
export async function createC64Fixture(cleanup: Cleanup, name: string): Promise<C64Fixture> {
  const key = generateEd25519KeyPair(`bench-${name}`);
  const keyFile = join(extraDir, `${name}-key`);
  await writeFile(keyFile, key.private, { mode: 0o600 });
  const database = await createBenchDatabase();
  cleanup.add(() => database.drop());
  await provisionTunnelOwner(database.url, { publicKeys: [key.public], names: [name] });
  const origin = await startSmallOrigin();
  cleanup.add(() => origin.close());
  return { databaseUrl: database.url, keyFile, name, originAddr: origin.addr };
}
