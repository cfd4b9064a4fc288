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
import { requestRefSchema } from "./query.ts";
import { type EditedReplay, editedHeaderBytes } from "./replay-edit.ts";
import { headerValue, replayHeaders, replayProblem, sentence } from "./replay-rules.ts";

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
  /** The logged request it comes from (its id), for the new row to link back to; null if unknown. */
  replayOf: string | null;
}

/**
 * Reads request `id` of `name` back from the log as a ReplayRequest: not_found when it is not one
 * of that name's rows (deleted since), conflict with the reason when it cannot be sent as it was.
 */
export async function loadReplay(db: Db, name: string, id: string): Promise<ReplayRequest> {
  const { id: rowId } = parseInput(requestRefSchema, { id });
  const [row, settings] = await Promise.all([
    db.requestLog.findFirst({
      where: { id: BigInt(rowId), name },
      select: {
        method: true,
        path: true,
        upgrade: true,
        accessPage: true,
        admission: true,
        bytesIn: true,
        clientIp: true,
        userAgent: true,
        requestHeaders: true,
        requestBody: true,
      },
    }),
    nameSettings(db, name),
  ]);
  if (!row) throw new AppError("not_found", "No such request in this log (deleted?)");
  const headers = parseStoredHeaders(row.requestHeaders);
  const body = row.requestBody ? Buffer.from(row.requestBody) : null;
  const problem = replayProblem({
    path: row.path,
    upgrade: row.upgrade,
    accessPage: row.accessPage,
    admission: row.admission,
    bytesIn: Number(row.bytesIn),
    keptBodyBytes: body?.length ?? null,
    requestHeaders: headers,
  });
  if (problem !== null || headers === null) {
    throw new AppError("conflict", problem === null ? "Cannot be replayed" : sentence(problem));
  }
  return {
    name,
    method: row.method,
    path: row.path,
    headers: replayHeaders(headers),
    body: body !== null && body.length > 0 ? body : null,
    clientIp: row.clientIp,
    userAgent: row.userAgent,
    replayOf: rowId,
    ...settings,
  };
}

/**
 * The owner's Replay: checks the request can be sent as it was and the tunnel is online, then asks
 * the relay to send it. Returns at once; the answer arrives in the log (its live tail shows it).
 */
export async function requestReplay(db: Db, userId: string, name: string, input: unknown): Promise<void> {
  const { id } = parseInput(requestRefSchema, input);
  const owned = await onlineName(db, userId, name);
  await loadReplay(db, owned, id);
  await sendRelayCommand(db, { type: "replay", name: owned, id });
}

/** Edited requests the relay never took (it was down when asked) are dropped after this long. */
const PENDING_REPLAY_MAX_AGE_MS = 10 * 60_000;

/**
 * The owner's "Edit and send": a request written in the dashboard from a logged one (whose visitor
 * it keeps), left for the relay in pending_replays and announced to it. Like requestReplay, the
 * answer arrives in the log. `edit` is parsed already (editedReplaySchema, by the form's action).
 * Header values left as shown go as the log kept them, byte for byte; typed ones in UTF-8.
 */
export async function requestEditedReplay(
  db: Db,
  userId: string,
  name: string,
  edit: EditedReplay,
): Promise<void> {
  const owned = await onlineName(db, userId, name);
  const original = await db.requestLog.findFirst({
    where: { id: BigInt(edit.id), name: owned },
    select: { clientIp: true, upgrade: true, requestHeaders: true },
  });
  if (!original) throw new AppError("not_found", "No such request in this log (deleted?)");
  if (original.upgrade) throw new AppError("conflict", "A WebSocket connection cannot be replayed");
  const sent = editedHeaderBytes(edit.headers, parseStoredHeaders(original.requestHeaders));
  if (sent.problem !== null) throw new AppError("invalid_input", sent.problem, { headers: [sent.problem] });
  await dropStalePendingReplays(db, PENDING_REPLAY_MAX_AGE_MS);
  const pending = await db.pendingReplay.create({
    data: {
      name: owned,
      method: edit.method,
      path: edit.path,
      headers: JSON.stringify(sent.headers),
      body: edit.body === "" ? null : Buffer.from(edit.body),
      clientIp: original.clientIp,
      replayOf: BigInt(edit.id),
    },
    select: { id: true },
  });
  await sendRelayCommand(db, { type: "replay-edited", name: owned, pendingId: String(pending.id) });
}

/**
 * Deletes edited requests left for the relay longer than `olderThanMs` ago: a relay takes each as
 * it is announced, and an announcement is never sent again, so these can only be ones it missed
 * (down, or its LISTEN connection lost). Their bodies may hold what the owner typed: not kept.
 * Returns how many went.
 */
export async function dropStalePendingReplays(db: Db, olderThanMs: number): Promise<number> {
  const { count } = await db.pendingReplay.deleteMany({
    where: { createdAt: { lt: new Date(Date.now() - olderThanMs) } },
  });
  return count;
}

/**
 * Takes an edited request left for the relay (deleting it, so it is sent once), as a ReplayRequest;
 * not_found when it is gone (taken, or older than PENDING_REPLAY_MAX_AGE_MS and cleaned up).
 */
export async function takePendingReplay(db: Db, name: string, pendingId: string): Promise<ReplayRequest> {
  const { id } = parseInput(requestRefSchema, { id: pendingId });
  const [taken, settings] = await Promise.all([
    db.$queryRaw<
      {
        method: string;
        path: string;
        headers: string;
        body: Uint8Array | null;
        clientIp: string;
        replayOf: bigint | null;
      }[]
    >`
      DELETE FROM pending_replays WHERE id = ${BigInt(id)} AND name = ${name}
      RETURNING method, path, headers, body, client_ip AS "clientIp", replay_of AS "replayOf"`,
    nameSettings(db, name),
  ]);
  const row = taken[0];
  if (!row) throw new AppError("not_found", "The edited request is gone (sent already, or too old)");
  const headers = storedRawHeaders.parse(JSON.parse(row.headers));
  return {
    name,
    method: row.method,
    path: row.path,
    headers,
    body: row.body && row.body.length > 0 ? Buffer.from(row.body) : null,
    clientIp: row.clientIp,
    userAgent: headerValue(headers, "user-agent") ?? null,
    replayOf: row.replayOf === null ? null : String(row.replayOf),
    ...settings,
  };
}

/** pending_replays.headers: a raw list (stored form, headers.ts), names and values alternating. */
const storedRawHeaders = z
  .array(z.string())
  .refine((list) => list.length % 2 === 0, { message: "Unpaired header list" });

/** The name's settings a replay follows as they are now (an unreserved name has neither). */
async function nameSettings(
  db: Db,
  name: string,
): Promise<Pick<ReplayRequest, "hostLocalhost" | "keepBodies">> {
  const reservation = await db.reservation.findUnique({
    where: { name },
    select: { hostLocalhost: true, keepBodies: true },
  });
  return { hostLocalhost: reservation?.hostLocalhost ?? false, keepBodies: reservation?.keepBodies ?? false };
}

/** The user's name, normalised, if it is online; not_found when not theirs, conflict when offline. */
async function onlineName(db: Db, userId: string, name: string): Promise<string> {
  const owned = await getNameForUser(db, userId, name);
  if (!owned.online) {
    throw new AppError("conflict", `${owned.name} is offline: connect its ssh client, then replay`);
  }
  return owned.name;
}
