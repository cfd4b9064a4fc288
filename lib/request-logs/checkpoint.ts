import type { Db } from "../db.ts";
import { AppError } from "../errors.ts";
import { sendRelayCommand } from "../relay-control.ts";
import { requestRefSchema } from "./query.ts";

/**
 * Asks the relay to write what an open WebSocket or event stream of a name has done so far (its
 * time, bytes and kept messages) into its row, for the details watching it. True when the row is
 * still open, false once it has closed; not_found for an id that is not one of the name's requests.
 * Ownership is the caller's job.
 */
export async function requestCheckpoint(db: Db, name: string, id: string): Promise<boolean> {
  if (!requestRefSchema.safeParse({ id }).success) throw new AppError("not_found", "No such request");
  const row = await db.requestLog.findFirst({
    where: { id: BigInt(id), name },
    select: { open: true, streamKey: true },
  });
  if (!row) throw new AppError("not_found", "No such request");
  if (!row.open || row.streamKey === null) return false;
  await sendRelayCommand(db, { type: "checkpoint", name, streamKey: row.streamKey });
  return true;
}
