import type { Db } from "../db.ts";

/** A finished request of `name`, as a test writes it straight into the log. */
export const loggedRequest = (name: string, path: string, status = 200) => ({
  name,
  method: "GET",
  path,
  status,
  durationMs: 1,
  clientIp: "198.51.100.7",
});

/**
 * Rows of requests waiting for the app, written as the relay writes them, for tests of the views
 * that show them (the live tail, `logs -f`).
 */
export function waitingRows(db: Db) {
  return {
    /** A tunnel session still going, for rows written open (a row of an ended one reads "unrecorded"). */
    async liveSession(name: string): Promise<string> {
      const user = await db.user.create({ data: { email: `${name}@waiting.test`, passwordHash: "!" } });
      const session = await db.tunnelSession.create({
        data: { name, userId: user.id, clientIp: "127.0.0.1" },
      });
      return session.id;
    },

    /** A request written before the app answered it (status 0, open), as the relay writes one that waits. */
    async waitingRow(name: string, sessionId: string, path: string): Promise<string> {
      const created = await db.requestLog.create({
        data: {
          ...loggedRequest(name, path, 0),
          durationMs: 0,
          sessionId,
          open: true,
          streamKey: `key-${path}`,
        },
      });
      return String(created.id);
    },

    /** Its row completed in place, as the relay's end writes it (`open`: an event stream's head). */
    async answer(id: string, status: number, open = false): Promise<void> {
      await db.requestLog.update({
        where: { id: BigInt(id) },
        data: { status, durationMs: 30_000, bytesOut: 12n, open, streamKey: open ? undefined : null },
      });
    },
  };
}
