import { randomBytes } from "node:crypto";
import type { AccessMode, Db } from "../db.ts";
import { isUniqueViolation } from "../errors.ts";
import { shareLinkProblem } from "./service.ts";
import { hashShareToken, looksLikeShareToken } from "./tokens.ts";

/**
 * The queries the relay's access gate runs. Unlike service.ts these are not scoped to a user: the
 * relay answers visitors, and a visitor proves access with a password or a token, not a session.
 */

/** What a share cookie is checked against: whether its link still admits anyone. */
export interface ShareLinkState {
  revokedAt: Date | null;
  expiresAt: Date | null;
}

/** Everything the gate needs to decide about one name, loaded in one query and cached briefly. */
export interface NameAccessState {
  /**
   * The reservation's id and creation (null: not reserved). A password cookie names the reservation
   * it was signed for: a name released and reserved again (by anyone) starts its password version
   * over, and a visitor of the old one must not be let into the new one.
   */
  reservation: { id: string; createdAt: Date } | null;
  mode: AccessMode;
  /** The argon2 hash of the tunnel password, if one is set. Stays inside the relay process. */
  passwordHash: string | null;
  passwordVersion: number;
  /** Send the app "Host: localhost" instead of the visitor's Host. */
  hostLocalhost: boolean;
  /** Visitor addresses, ranges and groups that may open the name; empty: anyone. */
  allowedIps: readonly string[];
  /** Keep the start of request and response bodies in the request log. */
  keepBodies: boolean;
  /**
   * The name's links that may have visitors holding a cookie, by id: those opened since
   * `cookiesIssuedSince` (a cookie for a link not listed here no longer admits).
   */
  links: ReadonlyMap<string, ShareLinkState>;
}

/** Unreserved (random) names are public: nobody can set a password on them. */
export const PUBLIC_STATE: NameAccessState = Object.freeze({
  reservation: null,
  mode: "PUBLIC",
  passwordHash: null,
  passwordVersion: 0,
  hostLocalhost: false,
  allowedIps: [],
  keepBodies: false,
  links: new Map(),
});

/**
 * A backstop on memory and query size: a name whose links were opened more often than this within
 * one cookie lifetime keeps the most recently opened ones.
 */
const MAX_LINKS_LOADED = 5_000;

/**
 * Loads the access state of a name; PUBLIC_STATE when the name is not reserved. Opening a link
 * stamps its `lastUsedAt` and issues a cookie that lives at most BURROW_ACCESS_COOKIE_HOURS, so
 * only links opened since `cookiesIssuedSince` (now minus that lifetime) can have cookie holders,
 * however old the link itself is or however many links the name has.
 */
export async function loadAccessState(
  db: Db,
  name: string,
  cookiesIssuedSince: Date,
): Promise<NameAccessState> {
  const reservation = await db.reservation.findUnique({
    where: { name },
    select: {
      id: true,
      createdAt: true,
      accessMode: true,
      passwordHash: true,
      passwordVersion: true,
      hostLocalhost: true,
      allowedIps: true,
      keepBodies: true,
      shareLinks: {
        where: { lastUsedAt: { gte: cookiesIssuedSince } },
        select: { id: true, revokedAt: true, expiresAt: true },
        orderBy: { lastUsedAt: "desc" },
        take: MAX_LINKS_LOADED,
      },
    },
  });
  if (!reservation) return PUBLIC_STATE;
  return {
    reservation: { id: reservation.id, createdAt: reservation.createdAt },
    mode: reservation.accessMode,
    passwordHash: reservation.passwordHash,
    passwordVersion: reservation.passwordVersion,
    hostLocalhost: reservation.hostLocalhost,
    allowedIps: reservation.allowedIps,
    keepBodies: reservation.keepBodies,
    links: new Map(
      reservation.shareLinks.map((l) => [l.id, { revokedAt: l.revokedAt, expiresAt: l.expiresAt }]),
    ),
  };
}

/**
 * Which opens of a link count a use (and admit): `all` for an open the visitor confirmed; `unlimited`
 * for a plain GET, which counts only links without a use limit (a limited link waits for the
 * visitor to confirm, so a chat app fetching a preview of it does not use it up); `none` for a HEAD.
 */
export type RedeemCount = "all" | "unlimited" | "none";

/** The outcome of opening a share link. */
export type RedeemResult =
  | {
      ok: true;
      linkId: string;
      expiresAt: Date | null;
      /**
       * When the use was counted: now, or for a confirmation counted before (its answer lost, the
       * visitor posting it again) when that was, so the cookie lasts no longer than the first would.
       */
      countedAt: Date;
    }
  | { ok: false; problem: "unknown" | "revoked" | "expired" | "used_up" }
  /** The link is `heldLinkId`, the one the visitor already holds a cookie of: nothing was changed. */
  | { ok: false; problem: "held" }
  /** The link admits, but this open does not count (see RedeemCount): nothing was changed. */
  | { ok: false; problem: "unconfirmed"; usesLeft: number | null; uses: number };

export interface RedeemOptions {
  now?: Date;
  /** The link of the visitor's cookie: answered "held" when it is this one. */
  heldLinkId?: string;
  /**
   * The confirmation id of the visitor's confirmation page (see confirmationId): counted once, so
   * the same confirmation posted again admits without a second use. Without one every open counts.
   */
  confirmation?: string;
  /**
   * How far back a counted confirmation still admits again: the cookie it gave lasts that long.
   * Posted again later (a page kept open past it), it is asked to be confirmed anew.
   */
  confirmationsSince?: Date;
}

/** Confirmation ids are 128 random bits, URL-safe: 22 characters. */
const CONFIRMATION = /^[A-Za-z0-9_-]{22}$/;

/** A fresh id for one confirmation page: its post counts one use, however often it is sent. */
export function createConfirmationId(): string {
  return randomBytes(16).toString("base64url");
}

/**
 * Checks a share token for a name and, when the link still admits and `count` allows, counts one
 * use and stamps `lastUsedAt` in one conditional UPDATE: PostgreSQL re-reads a row another opener
 * just updated before applying its WHERE, so however many visitors open a limited link at once,
 * exactly its remaining uses are counted and every other opener hears "used up" only once it is.
 * (Compare-and-swap with a few retries admitted one opener per round: 5 of 50 visitors of a 40-use
 * link, the other 45 told it was used up.) A token of another name is "unknown", like one that
 * never existed.
 *
 * With a `confirmation`, the same statement records it (ShareLinkUse), and one already recorded
 * admits without counting: the database may have counted a use whose answer never came back (a
 * connection reset, a timeout), and the visitor's retry (or the relay's) must not count it again. A
 * retry racing the first attempt hits the record's primary key, which undoes its whole statement.
 */
export async function redeemShareLink(
  db: Db,
  name: string,
  token: string,
  count: RedeemCount,
  options: RedeemOptions = {},
): Promise<RedeemResult> {
  const { now = new Date(), heldLinkId } = options;
  if (!looksLikeShareToken(token)) return { ok: false, problem: "unknown" };
  const tokenHash = hashShareToken(token);
  const confirmationHash =
    options.confirmation !== undefined && CONFIRMATION.test(options.confirmation)
      ? hashShareToken(options.confirmation)
      : null;
  const confirmationsSince = options.confirmationsSince ?? new Date(0);
  const read = () =>
    db.shareLink.findUnique({
      where: { tokenHash },
      select: {
        id: true,
        revokedAt: true,
        expiresAt: true,
        maxUses: true,
        uses: true,
        reservation: { select: { name: true } },
        // A primary-key lookup, and nothing at all without a confirmation.
        confirmedUses: { where: { confirmationHash: confirmationHash ?? "" }, select: { usedAt: true } },
      },
    });
  /** A confirmation counted before, now posted again: admitted as the first post was, if it still may be. */
  const countedBefore = (link: NonNullable<Awaited<ReturnType<typeof read>>>): RedeemResult | null => {
    const usedAt = link.confirmedUses[0]?.usedAt;
    if (!usedAt || usedAt < confirmationsSince) return null;
    // Used up (by this very confirmation, maybe) still admits: only revoked or expired does not.
    const problem = shareLinkProblem({ ...link, maxUses: null }, now);
    if (problem) return { ok: false, problem };
    return { ok: true, linkId: link.id, expiresAt: link.expiresAt, countedAt: usedAt };
  };
  const link = await read();
  if (!link || link.reservation.name !== name) return { ok: false, problem: "unknown" };
  if (link.id === heldLinkId) return { ok: false, problem: "held" };
  const again = countedBefore(link);
  if (again) return again;
  const problem = shareLinkProblem(link, now);
  if (problem) return { ok: false, problem };
  // A confirmation kept past its cookie's lifetime is no confirmation any more: asked again.
  const stale = link.confirmedUses.length > 0;
  if (stale || count === "none" || (count === "unlimited" && link.maxUses !== null)) {
    return {
      ok: false,
      problem: "unconfirmed",
      usesLeft: link.maxUses === null ? null : link.maxUses - link.uses,
      uses: link.uses,
    };
  }
  let counted: number;
  if (confirmationHash === null) {
    const updated = await db.shareLink.updateMany({
      where: {
        id: link.id,
        revokedAt: null,
        AND: [
          { OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
          { OR: [{ maxUses: null }, { uses: { lt: db.shareLink.fields.maxUses } }] },
        ],
      },
      data: { uses: { increment: 1 }, lastUsedAt: now },
    });
    counted = updated.count;
  } else {
    try {
      // The same conditions as above, the record of the confirmation, and the link's records too
      // old to admit anyone again dropped, all in one statement (one transaction).
      counted = await db.$executeRaw`
        WITH counted AS (
          UPDATE "share_links" SET "uses" = "uses" + 1, "last_used_at" = ${now}
          WHERE "id" = ${link.id} AND "revoked_at" IS NULL
            AND ("expires_at" IS NULL OR "expires_at" > ${now})
            AND ("max_uses" IS NULL OR "uses" < "max_uses")
          RETURNING "id"
        ), pruned AS (
          DELETE FROM "share_link_uses"
          WHERE "share_link_id" = ${link.id} AND "used_at" < ${confirmationsSince}
            AND "confirmation_hash" <> ${confirmationHash}
        )
        INSERT INTO "share_link_uses" ("share_link_id", "confirmation_hash", "used_at")
        SELECT "id", ${confirmationHash}, ${now} FROM counted`;
    } catch (error) {
      // The same confirmation counted meanwhile (a retry racing the first try): read what it got.
      if (!isUniqueViolation(error)) throw error;
      counted = 0;
    }
  }
  if (counted === 1) return { ok: true, linkId: link.id, expiresAt: link.expiresAt, countedAt: now };
  // Revoked, removed or used up by others since it was read: say which, as at the start.
  const after = await read();
  if (!after || after.reservation.name !== name) return { ok: false, problem: "unknown" };
  return countedBefore(after) ?? { ok: false, problem: shareLinkProblem(after, now) ?? "used_up" };
}
