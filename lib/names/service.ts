import { escapeLike } from "../db/like.ts";
import type { AccessMode, Db } from "../db.ts";
import { AppError, isUniqueViolation } from "../errors.ts";
import { type LogDeletionState, releaseUnderWay, startLogDeletion } from "../request-logs/deletions.ts";
import { requestCounts } from "../request-logs/query.ts";
import { endSessionsOfStoppedRelays } from "../tunnel-sessions/stopped-relays.ts";
import { parseInput } from "../validate.ts";
import { type RandomNameUse, randomNameHolder } from "./random-hold.ts";
import { nameProblem, nameSchema, normaliseName } from "./rules.ts";

/** A reserved name without its tunnel-password hash. */
export interface Reservation {
  id: string;
  name: string;
  userId: string;
  accessMode: AccessMode;
  passwordVersion: number;
  /** The app receives Host: localhost instead of the visitor's host (the name's "Your app" setting). */
  hostLocalhost: boolean;
  /** Networks the name opens for (its "Allowed networks"); empty: any. */
  allowedIps: string[];
  /** The request log keeps the start of request and response bodies. */
  keepBodies: boolean;
  createdAt: Date;
  lastSeenAt: Date | null;
}

/** The open TunnelSession of a name: the tunnel is up right now. */
export interface CurrentSession {
  id: string;
  startedAt: Date;
  clientIp: string;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  /** The relay's latest advice about the app (its ssh session printed it too), if any. */
  notice: string | null;
}

/** A row of the user's names page. */
export interface NameListItem {
  id: string;
  name: string;
  online: boolean;
  lastSeenAt: Date | null;
  requests24h: number;
  /** Of those, answered with a 5xx or by the relay itself (the overview adds them up). */
  errors24h: number;
  accessMode: AccessMode;
  hostLocalhost: boolean;
  allowedIps: string[];
  keepBodies: boolean;
  createdAt: Date;
  currentSession?: CurrentSession;
}

/** One name with its live state, for the tunnel page. */
export interface NameDetail extends Omit<Reservation, "id"> {
  online: boolean;
  currentSession?: CurrentSession;
  /**
   * A random name the relay gave the user, not a reservation: its settings are the defaults
   * (public, nothing kept, nothing to change), lastSeenAt is when its tunnel last closed.
   */
  random: boolean;
}

export interface NameAvailability {
  available: boolean;
  /** Why not: the validation message, or "taken". */
  reason?: string;
  /** A sentence to show the user when not available. */
  message?: string;
}

const reservationSelect = {
  id: true,
  name: true,
  userId: true,
  accessMode: true,
  passwordVersion: true,
  hostLocalhost: true,
  allowedIps: true,
  keepBodies: true,
  createdAt: true,
  lastSeenAt: true,
} as const;

const sessionSelect = {
  id: true,
  name: true,
  startedAt: true,
  clientIp: true,
  requests: true,
  bytesIn: true,
  bytesOut: true,
  notice: true,
} as const;

type SessionRow = {
  id: string;
  startedAt: Date;
  clientIp: string;
  requests: number;
  bytesIn: bigint;
  bytesOut: bigint;
  notice: string | null;
};

function toCurrentSession(row: SessionRow): CurrentSession {
  return {
    id: row.id,
    startedAt: row.startedAt,
    clientIp: row.clientIp,
    requests: row.requests,
    // Byte counters are BIGINT; a tunnel would need to move 9 PB to lose precision as a number.
    bytesIn: Number(row.bytesIn),
    bytesOut: Number(row.bytesOut),
    notice: row.notice,
  };
}

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** Serialises one user's reservations, so two concurrent requests cannot both pass the quota check. */
const RESERVE_LOCK_NAMESPACE = 72707371;

const takenMessage = (name: string) => `${name} is already taken`;
/**
 * A name released a moment ago whose old log is still being deleted: reserved now, its new owner's
 * log would show the old visitors' requests until the deletion reached them, and Delete all or
 * another release would mix the two. Held back until the deletion is done.
 */
const releasingMessage = (name: string) =>
  `${name} is being released: its old request log is still being deleted. Try again once that is done (a minute or so).`;
/** The user's own name: "taken" would send them looking for someone else who has it. */
const yoursMessage = (name: string) => `${name} is already yours`;

/**
 * Reserves a name for a user. A taken name is a conflict whoever holds it (a random name handed out
 * to someone else counts as taken too), said differently when it is the user's own; more than
 * `maxNames` names is forbidden. `account` (the user's email) is for an admin reserving for
 * someone else (`burrow name reserve`): the messages name that account rather than say "you".
 */
export async function reserveName(
  db: Db,
  userId: string,
  rawName: string,
  options: { maxNames: number; account?: string },
): Promise<Reservation> {
  const { account } = options;
  const name = parseInput(nameSchema, rawName);
  try {
    return await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${RESERVE_LOCK_NAMESPACE}, hashtext(${userId}))`;
      const { holder, random } = await takenBy(tx, name, userId);
      if (holder) {
        const own = account ? `${name} is already ${account}'s` : yoursMessage(name);
        throw new AppError("conflict", holder === userId ? own : takenMessage(name));
      }
      if (await releaseUnderWay(tx, name)) throw new AppError("conflict", releasingMessage(name));
      const owned = await tx.reservation.count({ where: { userId } });
      if (owned >= options.maxNames) {
        throw new AppError(
          "forbidden",
          account
            ? `${account} already has ${owned} names (BURROW_MAX_NAMES is ${options.maxNames}): release one ` +
                `(name list ${account} shows them) or raise BURROW_MAX_NAMES`
            : `You have reached your limit of ${options.maxNames} names. Release one you no longer use to reserve another.`,
        );
      }
      // One's own random name carries its "last seen" over (now, if its tunnel is up: the relay sets
      // it again when that tunnel closes).
      const lastSeenAt = random?.userId === userId ? (random.endedAt ?? new Date()) : null;
      return tx.reservation.create({ data: { name, userId, lastSeenAt }, select: reservationSelect });
    });
  } catch (error) {
    // Two users racing for one name: the loser hits the unique index.
    if (isUniqueViolation(error)) throw new AppError("conflict", takenMessage(name));
    throw error;
  }
}

/**
 * Whether a name could be reserved right now by `userId`: valid and not taken. For the form's live
 * check.
 */
export async function isNameAvailable(db: Db, rawName: string, userId?: string): Promise<NameAvailability> {
  const problem = nameProblem(rawName);
  if (problem) return { available: false, reason: problem, message: problem };
  const name = nameSchema.parse(rawName);
  const { holder } = await takenBy(db, name, userId);
  if (holder) {
    const message = holder === userId ? yoursMessage(name) : takenMessage(name);
    return { available: false, reason: "taken", message };
  }
  if (await releaseUnderWay(db, name)) {
    return { available: false, reason: "releasing", message: releasingMessage(name) };
  }
  return { available: true };
}

type Reader = Pick<Db, "reservation" | "tunnelSession">;

/**
 * Who holds a name against `userId` reserving it, or null: its reservation's owner, else whoever it
 * was handed out to as a random name (connected or not: a link to it may still be out there, so it
 * never goes to anyone else). `userId`'s own random name is theirs to reserve, logs and all. Also
 * the name's random history, which a reservation of one's own random name carries on from.
 */
async function takenBy(
  db: Reader,
  name: string,
  userId: string | undefined,
): Promise<{ holder: string | null; random: RandomNameUse | null }> {
  const [reserved, random] = await Promise.all([
    db.reservation.findUnique({ where: { name }, select: { userId: true } }),
    randomNameHolder(db, name),
  ]);
  if (reserved) return { holder: reserved.userId, random };
  return { holder: random && random.userId !== userId ? random.userId : null, random };
}

/**
 * Releases one of the user's names. Refused while its tunnel is up, so a live URL never changes
 * hands under its visitors. Its request logs are deleted with it: the next owner must not read the
 * previous owner's traffic. The name is released at once (it leaves the user's names, no tunnel
 * may use it); its log is deleted in the background (runLogDeletion), millions of rows taking a
 * minute or more, and nobody may reserve the name until that is done. A name that was the user's
 * random name before they reserved it is given up as well: it stops being theirs (takenBy) and the
 * relay no longer hands it back to them. Returns the deletion of its log, under way.
 */
export async function releaseName(db: Db, userId: string, name: string): Promise<LogDeletionState> {
  return releaseWhere(db, { name: normaliseName(name), userId });
}

/**
 * The admin's release (CLI `name release`, the admin's All names): any owner, still refused while
 * connected. Also frees a random name, which has no reservation but is otherwise its user's for good.
 */
export async function releaseAnyName(db: Db, name: string): Promise<LogDeletionState> {
  return releaseWhere(db, { name: normaliseName(name) });
}

async function releaseWhere(db: Db, where: { name: string; userId?: string }): Promise<LogDeletionState> {
  // One transaction: a refusal (a tunnel up) changes nothing, and the name is never free to
  // reserve without its deletion under way.
  return db.$transaction(async (tx) => {
    // Lock the row so a concurrent release or access change waits for us.
    const locked = await tx.$queryRaw<{ id: string; user_id: string }[]>`
      SELECT id, user_id FROM reservations
      WHERE name = ${where.name} AND (${where.userId ?? null}::text IS NULL OR user_id = ${where.userId ?? null})
      FOR UPDATE`;
    const reservation = locked[0];
    // Only the admin frees a random name (no reservation); a user releases what they reserved.
    const random = reservation || where.userId ? null : await randomNameHolder(tx, where.name);
    if (!reservation && !random) {
      throw new AppError(
        "not_found",
        where.userId ? `You have no name called ${where.name}` : `${where.name} is not reserved`,
      );
    }
    const refusal = await nameReleaseRefusal(tx, where.name);
    if (refusal) throw new AppError("conflict", refusal);
    // Its sessions stay (the user's traffic history) but no longer count as the name's random
    // history, which is what holds a random name for its user (randomNameHolder).
    await tx.tunnelSession.updateMany({
      where: { name: where.name, randomName: true },
      data: { randomName: false },
    });
    if (reservation) await tx.reservation.delete({ where: { id: reservation.id } });
    // The former owner's names page shows the deletion's progress.
    return startLogDeletion(tx, where.name, "release", reservation?.user_id ?? random?.userId ?? null);
  });
}

/**
 * Why releasing the name would be refused now (its tunnel is up), or null. Checked again inside the
 * release; `burrow name release` without --yes says it before what would go.
 */
export async function nameReleaseRefusal(
  db: Pick<Db, "tunnelSession" | "$executeRaw">,
  name: string,
): Promise<string | null> {
  // A tunnel whose relay stopped without ending it (no relay running) is not up: it must not keep
  // the name from being released for ever.
  await endSessionsOfStoppedRelays(db);
  const open = await db.tunnelSession.findFirst({
    where: { name: normaliseName(name), endedAt: null },
    select: { id: true },
  });
  return open
    ? `${normaliseName(name)} is connected right now: stop the tunnel first, then release it`
    : null;
}

/**
 * The user's names with their live state. Three queries whatever the number of names: the names,
 * their open sessions, and one grouped count of the last 24 hours' requests.
 */
export async function listNames(db: Db, userId: string): Promise<NameListItem[]> {
  const reservations = await db.reservation.findMany({
    where: { userId },
    select: reservationSelect,
    orderBy: { name: "asc" },
  });
  return withLiveState(db, reservations);
}

/** A random name the relay still keeps for the user, for the names page and the overview. */
export interface RandomNameItem {
  name: string;
  online: boolean;
  /** When its tunnel last closed; null while it is connected. */
  endedAt: Date | null;
  requests24h: number;
  /** Of those, answered with a 5xx or by the relay itself (the overview adds them up). */
  errors24h: number;
  currentSession?: CurrentSession;
}

/** Random names listed at most: each connection without a name makes one. */
export const RANDOM_NAMES_LISTED = 100;

/**
 * The random names the relay still keeps for the user (connected, or closed less than `holdHours`
 * ago) and that they have not reserved, most recently used first. Three queries.
 */
export async function listRandomNames(db: Db, userId: string, holdHours: number): Promise<RandomNameItem[]> {
  const kept = await keptRandomNames(db, { userId }, holdHours);
  return kept.map(({ userId: _userId, ...item }) => item);
}

/** Every user's kept random names with their owner's email, for the admin's All names. */
export async function listAllRandomNames(
  db: Db,
  holdHours: number,
  search = "",
): Promise<(RandomNameItem & { userId: string; email: string })[]> {
  const kept = await keptRandomNames(db, { search }, holdHours);
  const owners = await db.user.findMany({
    where: { id: { in: [...new Set(kept.map((k) => k.userId))] } },
    select: { id: true, email: true },
  });
  const emailOf = new Map(owners.map((o) => [o.id, o.email]));
  return kept.map((item) => ({ ...item, email: emailOf.get(item.userId) ?? "" }));
}

async function keptRandomNames(
  db: Db,
  filter: { userId?: string; search?: string },
  holdHours: number,
): Promise<(RandomNameItem & { userId: string })[]> {
  await endSessionsOfStoppedRelays(db);
  const kept = { OR: [{ endedAt: null }, { endedAt: { gt: new Date(Date.now() - holdHours * HOUR_MS) } }] };
  const sessions = await db.tunnelSession.findMany({
    where: {
      ...(filter.userId && { userId: filter.userId }),
      randomName: true,
      AND: filter.search ? [kept, { OR: matchingNameOrEmail(filter.search) }] : [kept],
    },
    select: { ...sessionSelect, userId: true, endedAt: true },
    orderBy: { startedAt: "desc" },
    take: RANDOM_NAMES_LISTED * 4,
  });
  // Newest first: a name's first session here is its latest, unless an older one is still open.
  const byName = new Map<string, (typeof sessions)[number]>();
  for (const s of sessions) {
    const seen = byName.get(s.name);
    if (!seen || (seen.endedAt !== null && s.endedAt === null)) byName.set(s.name, s);
  }
  const names = [...byName.keys()].slice(0, RANDOM_NAMES_LISTED);
  if (names.length === 0) return [];
  const [reserved, counts] = await Promise.all([
    db.reservation.findMany({ where: { name: { in: names } }, select: { name: true } }),
    requestCounts(db, names, new Date(Date.now() - DAY_MS)),
  ]);
  const reservedNames = new Set(reserved.map((r) => r.name));
  return names
    .filter((name) => !reservedNames.has(name))
    .map((name) => {
      const session = byName.get(name)!;
      return {
        name,
        userId: session.userId,
        online: session.endedAt === null,
        endedAt: session.endedAt,
        requests24h: counts.get(name)?.requests ?? 0,
        errors24h: counts.get(name)?.errors ?? 0,
        ...(session.endedAt === null ? { currentSession: toCurrentSession(session) } : {}),
      };
    });
}

/** Every reservation (or one user's) with its owner's email, for the admin CLI's `name list`. */
export async function listAllNames(
  db: Db,
  filter: { userId?: string; search?: string; take?: number } = {},
): Promise<{ names: (NameListItem & { email: string })[]; matching: number; all: number }> {
  const owner = filter.userId ? { userId: filter.userId } : {};
  const where = filter.search ? { ...owner, OR: matchingNameOrEmail(filter.search) } : owner;
  const [reservations, matching, all] = await Promise.all([
    db.reservation.findMany({
      where,
      select: { ...reservationSelect, user: { select: { email: true } } },
      orderBy: { name: "asc" },
      ...(filter.take !== undefined && { take: filter.take }),
    }),
    db.reservation.count({ where }),
    filter.search ? db.reservation.count({ where: owner }) : undefined,
  ]);
  const items = await withLiveState(db, reservations);
  return {
    names: items.map((item, i) => ({ ...item, email: reservations[i]!.user.email })),
    matching,
    all: all ?? matching,
  };
}

/** An admin's search: part of the name or of its owner's email, literally, any case. */
function matchingNameOrEmail(search: string) {
  const contains = { contains: escapeLike(search), mode: "insensitive" as const };
  return [{ name: contains }, { user: { email: contains } }];
}

async function withLiveState(db: Db, reservations: Reservation[]): Promise<NameListItem[]> {
  if (reservations.length === 0) return [];
  const names = reservations.map((r) => r.name);
  // What is shown online must be served: not a tunnel its stopped relay left open.
  await endSessionsOfStoppedRelays(db);
  const [sessions, counts] = await Promise.all([
    db.tunnelSession.findMany({
      where: { name: { in: names }, endedAt: null },
      select: { ...sessionSelect, userId: true },
      orderBy: { startedAt: "desc" },
    }),
    requestCounts(db, names, new Date(Date.now() - DAY_MS)),
  ]);
  const ownerOf = new Map(reservations.map((r) => [r.name, r.userId]));
  const sessionByName = new Map<string, SessionRow>();
  for (const s of sessions) {
    // Newest first; only the owner's session counts as this name being online.
    if (ownerOf.get(s.name) === s.userId && !sessionByName.has(s.name)) sessionByName.set(s.name, s);
  }
  return reservations.map((r) => {
    const session = sessionByName.get(r.name);
    return {
      id: r.id,
      name: r.name,
      online: session !== undefined,
      lastSeenAt: session ? new Date() : r.lastSeenAt,
      requests24h: counts.get(r.name)?.requests ?? 0,
      errors24h: counts.get(r.name)?.errors ?? 0,
      accessMode: r.accessMode,
      hostLocalhost: r.hostLocalhost,
      allowedIps: r.allowedIps,
      keepBodies: r.keepBodies,
      createdAt: r.createdAt,
      ...(session ? { currentSession: toCurrentSession(session) } : {}),
    };
  });
}

/**
 * The reservation row of one of the user's names, password hash included, for the settings that
 * change it (access, share links, kept bodies); not_found when the name is not theirs.
 */
export async function ownedReservation(db: Db, userId: string, name: string) {
  const reservation = await db.reservation.findFirst({
    where: { name: normaliseName(name), userId },
    omit: { passwordHash: false },
  });
  if (!reservation) throw new AppError("not_found", "No such name");
  return reservation;
}

/**
 * One of the user's names with its live state: a reservation, or a random name the relay gave them.
 * not_found when it is neither (someone else's looks the same as none).
 */
export async function getNameForUser(db: Db, userId: string, name: string): Promise<NameDetail> {
  const normalised = normaliseName(name);
  await endSessionsOfStoppedRelays(db);
  const [reservation, random, session] = await Promise.all([
    db.reservation.findFirst({ where: { name: normalised, userId }, select: reservationSelect }),
    randomNameHolder(db, normalised),
    db.tunnelSession.findFirst({
      where: { name: normalised, userId, endedAt: null },
      select: sessionSelect,
      orderBy: { startedAt: "desc" },
    }),
  ]);
  const live = session ? { online: true, currentSession: toCurrentSession(session) } : { online: false };
  if (reservation) {
    const { id: _id, ...rest } = reservation;
    return { ...rest, ...live, random: false };
  }
  if (!random || random.userId !== userId)
    throw new AppError("not_found", `You have no name called ${normalised}`);
  return { ...randomNameDefaults(normalised, userId, random), ...live, random: true };
}

/** What a random name, which has no reservation, behaves as: public, nothing kept or changed. */
function randomNameDefaults(name: string, userId: string, use: RandomNameUse): Omit<Reservation, "id"> {
  return {
    name,
    userId,
    accessMode: "PUBLIC",
    passwordVersion: 0,
    hostLocalhost: false,
    allowedIps: [],
    keepBodies: false,
    createdAt: use.startedAt,
    lastSeenAt: use.endedAt,
  };
}
