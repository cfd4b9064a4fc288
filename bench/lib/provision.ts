import { createDb } from "../../lib/db.ts";
import { parsePublicKey } from "../../lib/ssh-keys/parse.ts";

export interface TunnelOwnerSpec {
  /** OpenSSH public key lines the owner logs in with. */
  publicKeys: string[];
  /** Names reserved for the owner, created directly (no quota applies). */
  names: string[];
}

/** Creates one user with the given keys and reserved names in the benchmark database. */
export async function provisionTunnelOwner(databaseUrl: string, spec: TunnelOwnerSpec): Promise<void> {
  const db = createDb(databaseUrl, { applicationName: "burrow-bench", max: 2 });
  try {
    const user = await db.user.create({ data: { email: "bench@example.com", passwordHash: "-" } });
    await db.sshKey.createMany({
      data: spec.publicKeys.map((line, i) => {
        const { comment: _comment, ...key } = parsePublicKey(line);
        return { userId: user.id, label: `bench-${i}`, ...key };
      }),
    });
    const batch = 500;
    for (let i = 0; i < spec.names.length; i += batch) {
      await db.reservation.createMany({
        data: spec.names.slice(i, i + batch).map((name) => ({ name, userId: user.id })),
      });
    }
  } finally {
    await db.$disconnect();
  }
}
