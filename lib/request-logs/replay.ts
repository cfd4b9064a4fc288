/**
 * Replay: a logged request sent to the tunnel's app again, from the dashboard (what ngrok's
 * inspector calls Replay). The dashboard checks and asks; the relay, which holds the SSH connection,
 * reads the request back from the log and sends it through the tunnel, and the answer is logged as
 * a new row marked REPLAY. It goes straight to the app, not through the public address: the owner
 * needs no password or share link, and the visitor's cookies (never kept) are not needed either.
 */
import { z } from "zod";
import type { Db } from "../db.ts";
import { AppError } from "../errors.ts";
import { getNameForUser } from "../names/service.ts";
import { sendRelayCommand } from "../relay-control.ts";
import { parseInput } from "../validate.ts";
import { parseStoredHeaders } from "./headers.ts";
import { replayHeaders, replayProblem } from "./replay-rules.ts";

export const replayRequestSchema = z.object({
  id: z.string().regex(/^\d{1,19}$/, { message: "No such request" }),
});

/** A logged request as the relay sends it again. */
export interface ReplayRequest {
  name: string;
  method: string;
  path: string;
  /** Raw [name, value, …] list, as the visitor sent them less hidden and framing headers. */
  headers: string[];
  /** The whole body, or null when the request had none. */
  body: Buffer | null;
  /** The original visitor's, so the app (X-Forwarded-For) and the log see the same visitor. */
  clientIp: string;
  userAgent: string | null;
  /** The name's settings now: "Host: localhost" and whether the new row keeps its bodies. */
  hostLocalhost: boolean;
  keepBodies: boolean;
}

/**
 * Reads request `id` of `name` back from the log as a ReplayRequest: not_found when it is not one
 * of that name's rows (deleted since), conflict with the reason when it cannot be sent as it was.
 */
export async function loadReplay(db: Db, name: string, id: string): Promise<ReplayRequest> {
  const { id: rowId } = parseInput(replayRequestSchema, { id });
  const [row, reservation] = await Promise.all([
    db.requestLog.findFirst({
      where: { id: BigInt(rowId), name },
      select: {
        method: true,
        path: true,
        upgrade: true,
        accessPage: true,
        bytesIn: true,
        clientIp: true,
        userAgent: true,
        requestHeaders: true,
        requestBody: true,
      },
    }),
    db.reservation.findUnique({ where: { name }, select: { hostLocalhost: true, keepBodies: true } }),
  ]);
  if (!row) throw new AppError("not_found", "No such request in this log (deleted?)");
  const headers = parseStoredHeaders(row.requestHeaders);
  const body = row.requestBody ? Buffer.from(row.requestBody) : null;
  const problem = replayProblem({
    path: row.path,
    upgrade: row.upgrade,
    accessPage: row.accessPage,
    bytesIn: Number(row.bytesIn),
    keptBodyBytes: body?.length ?? null,
    requestHeaders: headers,
  });
  if (problem !== null || headers === null) throw new AppError("conflict", problem ?? "Cannot be replayed");
  return {
    name,
    method: row.method,
    path: row.path,
    headers: replayHeaders(headers),
    body: body !== null && body.length > 0 ? body : null,
    clientIp: row.clientIp,
    userAgent: row.userAgent,
    hostLocalhost: reservation?.hostLocalhost ?? false,
    keepBodies: reservation?.keepBodies ?? false,
  };
}

/**
 * The owner's Replay: checks the request can be sent as it was and the tunnel is online, then asks
 * the relay to send it. Returns at once; the answer arrives in the log (its live tail shows it).
 */
export async function requestReplay(db: Db, userId: string, name: string, input: unknown): Promise<void> {
  const { id } = parseInput(replayRequestSchema, input);
  const owned = await getNameForUser(db, userId, name);
  await loadReplay(db, owned.name, id);
  if (!owned.online) {
    throw new AppError("conflict", `${owned.name} is offline: connect its ssh client, then replay`);
  }
  await sendRelayCommand(db, { type: "replay", name: owned.name, id });
}
