import type { Db } from "../../lib/db.ts";
import { AppError } from "../../lib/errors.ts";
import { randomNameHolder } from "../../lib/names/random-hold.ts";

/** Whether `name` is reserved, was ever handed out as a random name, or has a log at all. */
export async function nameKnown(db: Db, name: string): Promise<boolean> {
  const [reserved, random, logged] = await Promise.all([
    db.reservation.findUnique({ where: { name }, select: { id: true } }),
    randomNameHolder(db, name),
    db.requestLog.findFirst({ where: { name }, select: { id: true } }),
  ]);
  return reserved !== null || random !== null || logged !== null;
}

/**
 * A mistyped name must not read as a quiet one, nor exit 0 for a script: the error for a name
 * `logs` knows nothing about.
 */
export function unknownNameError(name: string): AppError {
  return new AppError("not_found", `No name called ${name} (name list shows the names)`);
}
