import type { IncomingHttpHeaders } from "node:http";
import type { Db } from "../../lib/db.ts";
import type { Env } from "../../lib/env.ts";
import { addressCheck } from "../../lib/forwarding/trusted-proxies.ts";
import type { Logger } from "../../lib/logger.ts";
import { verifyPassword } from "../../lib/passwords.ts";
import type { AccessPage } from "../../lib/request-logs/row.ts";
import {
  ACCESS_COOKIE,
  type AccessGrant,
  accessCookieHeader,
  signAccessCookie,
  verifyAccessCookie,
} from "../../lib/sharing/access-cookie.ts";
import {
  createConfirmationId,
  loadAccessState,
  type NameAccessState,
  type RedeemCount,
  type RedeemResult,
  redeemShareLink,
} from "../../lib/sharing/relay-access.ts";
import { AttemptThrottle, clientKey, nameKey } from "../../lib/sharing/throttle.ts";
import {
  type AccessDecision,
  type AccessGate,
  type AccessRequest,
  AccessUnavailable,
} from "../http/access.ts";
import type { Exchange } from "../http/exchange.ts";
import type { HeaderEdits } from "../http/headers.ts";
import type { EdgePage } from "../http/pages.ts";
import type { Relay } from "../relay.ts";
import { errorText } from "../sessions/session-recorder.ts";
import { withTimeout } from "../ssh/with-timeout.ts";
import {
  FORM_TOKEN_TTL_SECONDS,
  readFormBody,
  SAME_ORIGIN_FORM_TOKEN_TTL_SECONDS,
  signFormToken,
  verifyFormToken,
} from "./login-form.ts";
import { type ConnectionVerdict, OpenConnections } from "./open-connections.ts";
import {
  addressNotAllowedPage,
  badFormPage,
  crossSitePage,
  LINK_NOT_NAVIGATION_TEXT,
  type LinkProblem,
  type LoginSaid,
  linkNotNavigationPage,
  linkProblemPage,
  linkProblemPasswordPage,
  linksOnlyPage,
  linkUnavailablePage,
  loginPageAddress,
  loginSaid,
  notFoundPage,
  passwordPage,
  plainAnswer,
  redirectTo,
  type ShareConfirmation,
  shareConfirmPage,
  signedOutPage,
  signOutPage,
  tooManyAttemptsPage,
} from "./pages.ts";
import { PasswordCheck } from "./password-check.ts";
import {
  accessCookieValues,
  basicAuthPassword,
  carriesAccessCookie,
  LOGIN_PATH,
  LOGOUT_PATH,
  postOrigin,
  RESERVED_PREFIX,
  SHARE_PATH,
  safeReturnPath,
  splitTarget,
  takeShareParam,
  wantsChallenge,
  wantsPage,
} from "./request-parts.ts";
import { AccessStateCache } from "./state-cache.ts";

export interface AccessGateDeps {
  db: Db;
  /** Signs access cookies and form tokens (`<data dir>/access-secret` in production). */
  secret: string;
  config: Pick<Env, "BURROW_ACCESS_COOKIE_HOURS">;
  logger: Logger;
  /** How long per-name access state is trusted while notifications may be missed (default 2 s). */
  cacheTtlMs?: number;
  /** How long while the control channel is up and every change notifies (default 30 s). */
  notifiedCacheTtlMs?: number;
  /**
   * How long a request waits for a name's access state when none was loaded for its tunnel yet
   * (default 2 s): past it, as when the database refuses, the edge answers 503 "try again".
   */
  stateWaitMs?: number;
  /**
   * How long opening a share link may wait for the database (default 3 s): past it the visitor is
   * asked to try again, which a confirmation id makes safe (lib/sharing/relay-access.ts).
   */
  linkWaitMs?: number;
  /** Wrong-password limits (default 10 per client and name, 100 per name, per minute). */
  throttle?: { perClient: number; perName: number; windowMs: number };
  /** Clock in milliseconds (tests). */
  now?: () => number;
  /** argon2 verification (tests may count calls). */
  verifyPassword?: (hash: string, password: string) => Promise<boolean>;
}

/** The gate plus what the relay needs to keep it current. */
export interface AccessGateHandle extends AccessGate {
  /**
   * The long-lived connections the gate let through (the edge's dispatcher hands it every exchange
   * it forwards): checked again when their name's access changes or their share link expires.
   */
  readonly connections: OpenConnections;
  /**
   * Drops what is cached about a name and checks its open connections against its new state: call
   * on the dashboard's `access-changed` notification.
   */
  invalidate(name: string): void;
  /** Tells the gate whether `access-changed` notifications are arriving (the control channel is up). */
  setNotified(notified: boolean): void;
  /** Forgets all cached state. Safe to call twice. */
  close(): void;
}

/**
 * How many times an attempt over a limit waits for the checks under way before it is refused: each
 * round frees the slots of the right passwords among them, which waiters then share.
 */
const MAX_WAIT_ROUNDS = 20;

export const DEFAULT_THROTTLE = { perClient: 10, perName: 100, windowMs: 60_000 } as const;

const DROP_COOKIE: HeaderEdits = Object.freeze({ dropCookies: [ACCESS_COOKIE] });
const DROP_COOKIE_AND_AUTH: HeaderEdits = Object.freeze({
  dropCookies: [ACCESS_COOKIE],
  dropAuthorization: true,
});
const DROP_AUTH: HeaderEdits = Object.freeze({ dropAuthorization: true });
/** What the app gets as Host for a name set to "Host: localhost". */
const APP_HOST = "localhost";
const FORWARD_PUBLIC: AccessDecision = Object.freeze({ action: "forward", admission: "PUBLIC" });
const FORWARD_PUBLIC_DROP_COOKIE: AccessDecision = Object.freeze({
  action: "forward",
  admission: "PUBLIC",
  edits: DROP_COOKIE,
});

/** A share link being opened (redeem). */
interface LinkOpen {
  request: AccessRequest;
  token: string;
  /** Where the visitor goes once in: the address without the share parameter. */
  next: string;
  count: RedeemCount;
  /** What the request log shows (never the token); `next` unless said. */
  logPath?: string;
  /** The share link the visitor is already in with: it stays theirs when this link does not work. */
  held?: Extract<AccessGrant, { kind: "share" }>;
  /** The confirmation form's fields, when this is its post. */
  posted?: ShareConfirmation;
}

/** Why a cookie the relay signed no longer admits. */
type CookieProblem = "signed_out" | "revoked" | "expired";

type CookieCheck =
  | { ok: true; grant: AccessGrant }
  | { ok: false; problem: CookieProblem | null; present: boolean };

const NOTICE: Record<CookieProblem, string> = {
  signed_out: "The password of this address was changed, so you were signed out.",
  revoked: "The share link you used was revoked.",
  expired: "The share link you used has expired.",
};

const BASIC_CHALLENGE = { "www-authenticate": 'Basic realm="Burrow tunnel", charset="UTF-8"' };

/** The challenge header for a 401 to a script; none to a browser's request from a page. */
function challengeFor(request: { headers: IncomingHttpHeaders }): Record<string, string> {
  return wantsChallenge(request.headers) ? BASIC_CHALLENGE : {};
}

/**
 * Decides who may reach a tunnel: public names pass, password names need the tunnel password (the
 * relay's own form, or HTTP Basic auth for scripts), links-only names need a share link. A right
 * password or a share link sets a signed cookie; every request re-checks that cookie against the
 * name's cached state, so a new password or a revoked link cuts visitors off within the cache TTL
 * (at once when the dashboard's notification arrives); connections already open (WebSockets, event
 * streams) are checked again then, and at their share link's expiry (open-connections.ts). Burrow's
 * cookie, the share parameter and a tunnel-password Authorization header never reach the app.
 *
 * The common request (cached state, cookie or public) is decided synchronously; database lookups,
 * argon2 and share-link redemption are async and never hold up other requests.
 */
export function createAccessGate(deps: AccessGateDeps): AccessGateHandle {
  const { db, secret, logger } = deps;
  const now = deps.now ?? Date.now;
  const cookieSeconds = deps.config.BURROW_ACCESS_COOKIE_HOURS * 3_600;
  const cache = new AccessStateCache({
    // A cookie is at most cookieSeconds old: links last opened before that have no holders left.
    load: (name) => loadAccessState(db, name, new Date(now() - cookieSeconds * 1_000)),
    ttlMs: deps.cacheTtlMs ?? 2_000,
    notifiedTtlMs: deps.notifiedCacheTtlMs ?? 30_000,
    now,
  });
  const throttle = new AttemptThrottle({ ...DEFAULT_THROTTLE, ...deps.throttle, now });
  const passwords = new PasswordCheck(secret, deps.verifyPassword ?? verifyPassword);

  /** Password checks under way, by throttle key (client and name, and name): see passwordIsRight. */
  const checking = new Map<string, Set<Promise<boolean>>>();

  const seconds = () => Math.floor(now() / 1000);
  const stateWaitMs = deps.stateWaitMs ?? 2_000;
  const linkWaitMs = deps.linkWaitMs ?? 3_000;

  function respond(
    page: EdgePage,
    admission: AccessDecision["admission"],
    logPage: AccessPage,
    extra: { path?: string; shareLinkId?: string } = {},
  ): AccessDecision {
    return {
      action: "respond",
      admission,
      page: logPage,
      status: page.status,
      headers: page.headers,
      body: page.body,
      ...extra,
    };
  }

  function forward(
    admission: AccessDecision["admission"],
    path: string | undefined,
    edits: HeaderEdits | undefined,
    shareLinkId?: string,
  ): AccessDecision {
    return {
      action: "forward",
      admission,
      ...(shareLinkId ? { shareLinkId } : {}),
      ...(path !== undefined ? { path } : {}),
      ...(edits ? { edits } : {}),
    };
  }

  function clearCookie(request: Pick<AccessRequest, "proto">): string {
    return accessCookieHeader("", 0, request.proto === "https");
  }

  /**
   * Checks the access cookie(s) against the name's current state. `signedAtMs`: when the cookie's
   * own lifetime is judged (now for a request; its arrival for a connection admitted back then).
   */
  function checkCookie(
    name: string,
    headers: IncomingHttpHeaders,
    state: NameAccessState,
    signedAtMs = now(),
  ): CookieCheck {
    const values = accessCookieValues(headers);
    if (values.length === 0) return { ok: false, problem: null, present: false };
    let problem: CookieProblem | null = null;
    const nowMs = now();
    for (const value of values) {
      const grant = verifyAccessCookie(secret, value, name, Math.floor(signedAtMs / 1000));
      if (!grant) continue;
      if (grant.kind === "password") {
        if (state.mode !== "PASSWORD" || !ofThisReservation(grant, state)) continue;
        if (grant.passwordVersion === state.passwordVersion) return { ok: true, grant };
        problem ??= "signed_out";
        continue;
      }
      // Share-link cookies admit in both protected modes, until their link is revoked or expires.
      const link = state.links.get(grant.linkId);
      if (!link || link.revokedAt) problem ??= "revoked";
      else if (link.expiresAt && link.expiresAt.getTime() <= nowMs) problem ??= "expired";
      else return { ok: true, grant };
    }
    return { ok: false, problem, present: true };
  }

  /**
   * Whether a password cookie was signed for the name's current reservation. One signed before
   * cookies named it is judged by its age: issued (its expiry less today's lifetime) before the
   * reservation existed, it belongs to an earlier holder of the name.
   */
  function ofThisReservation(
    grant: Extract<AccessGrant, { kind: "password" }>,
    state: NameAccessState,
  ): boolean {
    if (!state.reservation) return false;
    if (grant.reservationId !== null) return grant.reservationId === state.reservation.id;
    return grant.expiresAt - cookieSeconds >= Math.floor(state.reservation.createdAt.getTime() / 1000);
  }

  /** The answer to a visitor who may not pass. */
  function deny(
    request: AccessRequest,
    state: NameAccessState,
    cookie: CookieCheck,
    path: string,
    linkInRequest = false,
  ): AccessDecision {
    const problem = cookie.ok ? null : cookie.problem;
    const present = !cookie.ok && cookie.present;
    // A cookie that no longer admits is cleared, so the browser stops sending it.
    const setCookie = present ? { "set-cookie": clearCookie(request) } : undefined;
    if (state.mode === "PASSWORD") {
      if (!wantsPage(request)) {
        return respond(
          plainAnswer(401, "This address needs a password (HTTP Basic auth, any user name).", {
            ...challengeFor(request),
            ...setCookie,
          }),
          "DENIED",
          "password_asked",
          { path },
        );
      }
      const page = passwordPage({
        status: 401,
        host: request.headers.host,
        next: safeReturnPath(path),
        formToken: signFormToken(secret, request.name, seconds()),
        notice: problem ? NOTICE[problem] : undefined,
        headers: setCookie,
      });
      return respond(page, "DENIED", "password_asked", { path });
    }
    const linkProblem = problem === "revoked" || problem === "expired" ? problem : null;
    const logPage = linkProblem ? (`link_${linkProblem}` as const) : "links_only";
    // A share link in a request that is not a navigation (a webhook's or a form's POST): the
    // visitor did use one, so "open that link" would send them round in circles.
    const unopened = !linkProblem && linkInRequest;
    if (!wantsPage(request)) {
      const text = unopened
        ? `This address can only be opened with a share link. ${LINK_NOT_NAVIGATION_TEXT}`
        : "This address can only be opened with a share link.";
      return respond(plainAnswer(403, text, setCookie), "DENIED", logPage, { path });
    }
    const page = linkProblem
      ? linkProblemPage(linkProblem, setCookie)
      : unopened
        ? linkNotNavigationPage(setCookie)
        : linksOnlyPage(setCookie);
    return respond(page, "DENIED", logPage, { path });
  }

  function throttled(
    request: AccessRequest,
    wait: number,
    path: string,
    asPage = wantsPage(request),
  ): AccessDecision {
    const page = asPage
      ? tooManyAttemptsPage(wait)
      : plainAnswer(429, "Too many wrong passwords for this address; try again later.", {
          "retry-after": String(wait),
        });
    return respond(page, "DENIED", "too_many_attempts", { path });
  }

  /**
   * Counts the attempt before the slow check (a burst of parallel guesses cannot all pass the
   * limit), then verifies without blocking anything else; a right password is not counted.
   *
   * An attempt over a limit only because of attempts still being checked waits for their outcome
   * instead of being refused: right ones are taken back, and a class behind one NAT typing the
   * right password at once (argon2 takes longer for many at once) was otherwise told, all but ten
   * of them, that too many wrong passwords had been tried. Guesses gain nothing: theirs stay
   * counted, so the waiter is refused once they are decided.
   */
  async function passwordIsRight(
    request: AccessRequest,
    state: NameAccessState,
    password: string,
  ): Promise<boolean | { wait: number }> {
    const { clientIp, name } = request;
    const keys = [clientKey(clientIp, name), nameKey(name)] as const;
    for (let round = 0; ; round++) {
      const wait = throttle.attempt(clientIp, name);
      if (wait === 0) break;
      const pending = checking.get(throttle.clientLimited(clientIp, name) ? keys[0] : keys[1]);
      if (!pending || pending.size === 0 || round >= MAX_WAIT_ROUNDS) return { wait };
      await Promise.allSettled([...pending]);
    }
    const decided = (async () => {
      const right =
        state.passwordHash !== null && (await passwords.matches(name, state.passwordHash, password));
      // Before the check counts as decided: a waiter looks at the counters once it is.
      if (right) throttle.forgive(clientIp, name);
      return right;
    })();
    for (const key of keys) {
      let pending = checking.get(key);
      if (!pending) {
        pending = new Set();
        checking.set(key, pending);
      }
      pending.add(decided);
    }
    const done = () => {
      for (const key of keys) {
        const pending = checking.get(key);
        pending?.delete(decided);
        if (pending?.size === 0) checking.delete(key);
      }
    };
    decided.then(done, done);
    return decided;
  }

  async function admitBasic(
    request: AccessRequest,
    state: NameAccessState,
    password: string,
    path: string | undefined,
    carriesCookie: boolean,
  ): Promise<AccessDecision> {
    const logPath = path ?? request.path;
    const result = await passwordIsRight(request, state, password);
    if (typeof result === "object") return throttled(request, result.wait, logPath);
    if (!result) {
      return respond(
        plainAnswer(401, "Wrong password for this address.", challengeFor(request)),
        "DENIED",
        "password_wrong",
        { path: logPath },
      );
    }
    return forward("PASSWORD", path, carriesCookie ? DROP_COOKIE_AND_AUTH : DROP_AUTH);
  }

  /**
   * Checks and counts a share link for `redeem`. A confirmed open is tried a second time when the
   * first try fails (a connection reset after the database counted it, say): its confirmation id
   * makes that safe, and the visitor does not see the blip.
   */
  function countOpen(open: LinkOpen, nowMs: number, gaveUp: () => boolean): Promise<RedeemResult> {
    const { request, token, count, held } = open;
    const confirmation = open.posted?.confirmation;
    const attempt = () =>
      redeemShareLink(db, request.name, token, count, {
        now: new Date(nowMs),
        heldLinkId: held?.linkId,
        confirmation,
        // A confirmation admits again while the cookie its first answer set would still last.
        confirmationsSince: new Date(nowMs - cookieSeconds * 1_000),
      });
    if (confirmation === undefined) return attempt();
    return attempt().catch((error: unknown) => {
      // The visitor was told to try again already: their retry will do.
      if (gaveUp()) throw error;
      logger.warn("opening a share link failed, trying once more", {
        name: request.name,
        error: errorText(error),
      });
      return attempt();
    });
  }

  /**
   * Opening a share link: check it and, when `count` allows, count a use, set the cookie and send
   * the visitor to `next` (the clean URL). A link this open does not count gets the confirmation
   * page.
   *
   * Bounded by linkWaitMs: a database that does not answer gets the visitor a 503 "try again"
   * page in seconds (its query's own timeout is 20 s), whose retry counts nothing twice.
   */
  async function redeem(open: LinkOpen): Promise<AccessDecision> {
    let late = false;
    const logPath = open.logPath ?? open.next;
    try {
      return await withTimeout(
        openLink({ ...open, logPath }, () => late),
        linkWaitMs,
        "opening a share link",
      );
    } catch (error) {
      late = true;
      const message = `opening a share link failed: ${errorText(error)}`;
      const page = linkUnavailablePage(open.posted, open.request.headers.host);
      throw new AccessUnavailable(message, page, logPath);
    }
  }

  async function openLink(
    open: LinkOpen & { logPath: string },
    gaveUp: () => boolean,
  ): Promise<AccessDecision> {
    const { request, token, next, logPath, held } = open;
    const nowMs = now();
    const result = await countOpen(open, nowMs, gaveUp);
    if (!result.ok && result.problem === "unconfirmed") {
      const { usesLeft, uses } = result;
      const host = request.headers.host;
      const confirmation = createConfirmationId();
      const page = shareConfirmPage({
        token,
        next: safeReturnPath(next),
        usesLeft,
        uses,
        host,
        confirmation,
      });
      return respond(page, "DENIED", "link_confirm", { path: logPath });
    }
    if (!result.ok) {
      if (held) return linkNotNeeded(next, held);
      // "held" answers only a `held` link: without one it cannot come.
      const problem: LinkProblem = result.problem === "held" ? "unknown" : result.problem;
      // On a name with a password, the visitor may know it: the form is offered with the news.
      const state = await cache.get(request.name, request.tunnel);
      const page =
        state.mode === "PASSWORD"
          ? linkProblemPasswordPage(problem, {
              next: safeReturnPath(next),
              formToken: signFormToken(secret, request.name, seconds()),
              host: request.headers.host,
            })
          : linkProblemPage(problem);
      return respond(page, "DENIED", `link_${problem}`, { path: logPath });
    }
    // The link may be newer than the cached state: reload it before the redirected request arrives.
    cache.invalidate(request.name);
    const nowSeconds = Math.floor(nowMs / 1000);
    // A confirmation counted before (its answer lost) gets the cookie its first answer would have.
    const cookieEnds = Math.floor(result.countedAt.getTime() / 1000) + cookieSeconds;
    // At least a second: opened in the last second of a link, a cookie cut at the whole second
    // before its expiry would be expired at once (Max-Age=0), after the use was counted. The state
    // check still ends it at the link's expiry.
    const linkEnds = result.expiresAt
      ? Math.max(Math.floor(result.expiresAt.getTime() / 1000), nowSeconds + 1)
      : Number.POSITIVE_INFINITY;
    const expiresAt = Math.max(Math.min(cookieEnds, linkEnds), nowSeconds + 1);
    const value = signAccessCookie(secret, {
      kind: "share",
      name: request.name,
      linkId: result.linkId,
      expiresAt,
    });
    const setCookie = accessCookieHeader(value, expiresAt - nowSeconds, request.proto === "https");
    return respond(redirectTo(next, setCookie), "SHARE_LINK", "link_opened", {
      path: logPath,
      shareLinkId: result.linkId,
    });
  }

  /**
   * A share link opened by a visitor who already has access: not used, only taken off the address
   * (the app never sees the token) by a redirect to the address without it.
   */
  function linkNotNeeded(path: string, grant: AccessGrant | "basic"): AccessDecision {
    if (grant === "basic" || grant.kind === "password") {
      return respond(redirectTo(path), "PASSWORD", "link_not_needed", { path });
    }
    return respond(redirectTo(path), "SHARE_LINK", "link_not_needed", { path, shareLinkId: grant.linkId });
  }

  /** A share link opened with Basic auth: the right password admits without the link. */
  async function passwordOrLink(
    request: AccessRequest,
    state: NameAccessState,
    password: string,
    token: string,
    path: string,
    count: RedeemCount,
  ): Promise<AccessDecision> {
    const result = await passwordIsRight(request, state, password);
    if (result === true) return linkNotNeeded(path, "basic");
    // A wrong password (counted), or guesses being throttled: the link may still let them in.
    return redeem({ request, token, next: path, count });
  }

  /**
   * The common start of the relay's own form posts (the password, a share link's confirmation): a
   * post from this host with a readable form, to a name that is still protected. Anything else is
   * answered here, as `answer`.
   */
  async function readPost(
    request: AccessRequest,
    path: string,
  ): Promise<{ answer: AccessDecision } | { form: URLSearchParams; next: string; state: NameAccessState }> {
    if (postOrigin(request.headers, request.proto) === "cross") {
      return { answer: respond(crossSitePage(), "DENIED", "form_rejected", { path }) };
    }
    const form = request.body ? await readFormBody(request.body, request.headers["content-type"]) : null;
    if (!form) return { answer: respond(badFormPage(), "DENIED", "form_rejected", { path }) };
    const next = safeReturnPath(form.get("next"));
    const state = await cache.get(request.name, request.tunnel);
    if (state.mode === "PUBLIC") {
      return { answer: respond(redirectTo(next), "PUBLIC", "now_public", { path }) };
    }
    return { form, next, state };
  }

  /** The confirmation page's post: counts the use `redeem` held back. */
  async function confirmShare(request: AccessRequest): Promise<AccessDecision> {
    const post = await readPost(request, SHARE_PATH);
    if ("answer" in post) return post.answer;
    // A visitor already in (the link was also open in another tab, and confirmed there) is treated
    // as on the link's address: a one-time link answered "used up" to the visitor who used it.
    const cookie = checkCookie(request.name, request.headers, post.state);
    if (cookie.ok && cookie.grant.kind === "password") return linkNotNeeded(post.next, cookie.grant);
    const held = cookie.ok && cookie.grant.kind === "share" ? cookie.grant : undefined;
    const confirmation = post.form.get("confirmation") ?? undefined;
    const posted = { token: post.form.get("token") ?? "", next: post.next, confirmation };
    return redeem({
      request,
      token: posted.token,
      next: post.next,
      count: "all",
      logPath: SHARE_PATH,
      held,
      posted,
    });
  }

  function decide(request: AccessRequest, state: NameAccessState): AccessDecision | Promise<AccessDecision> {
    const share = takeShareParam(request.path);
    const cleanPath = share.found ? share.path : undefined;

    if (state.mode === "PUBLIC") {
      // A share link to a public name is harmless: the parameter is just removed. A leftover access
      // cookie (the name was protected before) is not checked, only kept from the app.
      const carries = carriesAccessCookie(request.headers);
      if (cleanPath === undefined) return carries ? FORWARD_PUBLIC_DROP_COOKIE : FORWARD_PUBLIC;
      return forward("PUBLIC", cleanPath, carries ? DROP_COOKIE : undefined);
    }

    const cookie = checkCookie(request.name, request.headers, state);
    const carriesCookie = cookie.ok || cookie.present;

    // Only a navigation redeems a link (a redirect cannot carry a POST body or an upgrade), and a
    // HEAD never counts a use: it is how link checkers and previewers look before they fetch.
    const navigating = !request.upgrade && (request.method === "GET" || request.method === "HEAD");
    if (share.found && navigating) {
      const count = request.method === "HEAD" ? "none" : "unlimited";
      // A visitor who already has access (back through the same link from a chat or a bookmark) is
      // not made to open the link again: one used up, revoked or expired since would lock them out
      // of what they may see, and a limited link would lose a use for nothing. Another link that
      // works, though, is opened as for anyone: the owner sent it to last longer than the first,
      // or to replace it before revoking it, and a visitor who kept the first one's cookie was cut
      // off at its expiry or revocation however valid the link they had been given since.
      if (cookie.ok && cookie.grant.kind === "share" && request.method === "GET") {
        return redeem({ request, token: share.token ?? "", next: share.path, count, held: cookie.grant });
      }
      if (cookie.ok) return linkNotNeeded(share.path, cookie.grant);
      const password = state.mode === "PASSWORD" ? basicAuthPassword(request.headers) : null;
      if (password !== null)
        return passwordOrLink(request, state, password, share.token ?? "", share.path, count);
      return redeem({ request, token: share.token ?? "", next: share.path, count });
    }

    if (cookie.ok) {
      const grant = cookie.grant;
      return grant.kind === "password"
        ? forward("PASSWORD", cleanPath, DROP_COOKIE)
        : forward("SHARE_LINK", cleanPath, DROP_COOKIE, grant.linkId);
    }

    if (state.mode === "PASSWORD") {
      const password = basicAuthPassword(request.headers);
      if (password !== null) return admitBasic(request, state, password, cleanPath, carriesCookie);
    }
    return deny(request, state, cookie, cleanPath ?? request.path, share.found);
  }

  async function login(request: AccessRequest): Promise<AccessDecision> {
    const path = LOGIN_PATH;
    const post = await readPost(request, path);
    if ("answer" in post) return post.answer;
    const { form, next, state } = post;
    if (state.mode === "LINKS") return respond(linksOnlyPage(), "DENIED", "links_only", { path });

    // A post that does not sign in is sent on to the login page (GET) saying why, not answered
    // with it: Back would offer to send the form again, and a reload would post the password
    // again, counted as another guess.
    const again = (logPage: AccessPage, said: LoginSaid) =>
      respond(redirectTo(loginPageAddress(next, said)), "DENIED", logPage, { path });
    const sameOrigin = postOrigin(request.headers, request.proto) === "same";
    const ttl = sameOrigin ? SAME_ORIGIN_FORM_TOKEN_TTL_SECONDS : FORM_TOKEN_TTL_SECONDS;
    if (!verifyFormToken(secret, request.name, form.get("form") ?? "", seconds(), ttl)) {
      // Not counted as a guess: the page was just open too long (or the post was not ours).
      return again("form_expired", "expired");
    }
    const password = form.get("password") ?? "";
    if (password === "") return again("password_asked", "empty");

    const result = await passwordIsRight(request, state, password);
    // Too many tries: the login page (GET) then says how long to wait, as the post's own 429 page
    // did, but a reload of it no longer offers to post the form again (QA).
    if (typeof result === "object") return again("too_many_attempts", "throttled");
    if (!result) return again("password_wrong", "wrong");
    const expiresAt = seconds() + cookieSeconds;
    const value = signAccessCookie(secret, {
      kind: "password",
      name: request.name,
      reservationId: state.reservation?.id ?? null,
      passwordVersion: state.passwordVersion,
      expiresAt,
    });
    return respond(
      redirectTo(next, accessCookieHeader(value, cookieSeconds, request.proto === "https")),
      "PASSWORD",
      "signed_in",
      { path },
    );
  }

  /**
   * `/__burrow/logout`: a POST from this host's own pages (or from a script, which sends no
   * Origin) clears the cookie; anything else gets a page whose button posts it. Signing out needs
   * no proof of anything, but a GET, or a post from another site, must not do it: any page on the
   * web could sign this relay's visitors out with an <img> or a hidden form.
   */
  function signOut(request: Pick<AccessRequest, "method" | "proto" | "headers">): AccessDecision {
    const path = LOGOUT_PATH;
    if (request.method !== "POST") {
      return respond(signOutPage(request.headers.host), "DENIED", "sign_out_confirm", { path });
    }
    if (postOrigin(request.headers, request.proto) === "cross") {
      return respond(crossSitePage(), "DENIED", "form_rejected", { path });
    }
    return respond(signedOutPage(clearCookie(request)), "DENIED", "signed_out", { path });
  }

  /** `/__burrow/…`: the relay's own paths, never forwarded whatever the mode. */
  function reserved(request: AccessRequest, pathname: string): AccessDecision | Promise<AccessDecision> {
    const path = pathname;
    if (request.upgrade) return respond(plainAnswer(404, "Not found."), "DENIED", "not_found", { path });
    if (pathname === LOGIN_PATH && request.method === "POST") {
      return login(request);
    }
    if (pathname === SHARE_PATH && request.method === "POST") {
      return confirmShare(request);
    }
    if (pathname === LOGOUT_PATH) {
      const answer = signOut(request);
      if (answer.action !== "respond" || answer.page !== "signed_out") return answer;
      // What this browser still has open with the cookie it signs out of (another tab's WebSocket
      // or event stream) ends too: signing out on a shared computer must not leave a live view on.
      const signedOut = new Set(accessCookieValues(request.headers));
      if (signedOut.size > 0) {
        connections.end(request.name, (exchange) =>
          accessCookieValues(credentialHeaders(exchange.requestHeaders)).some((v) => signedOut.has(v)),
        );
      }
      return answer;
    }
    if (pathname === LOGIN_PATH && (request.method === "GET" || request.method === "HEAD")) {
      // Where a post that did not sign in lands (saying why), or a reload of it: the form again
      // (or just go home).
      return cache.get(request.name, request.tunnel).then((state) => {
        if (state.mode !== "PASSWORD") {
          return state.mode === "PUBLIC"
            ? respond(redirectTo("/"), "PUBLIC", "now_public", { path })
            : respond(redirectTo("/"), "DENIED", "links_only", { path });
        }
        const query = new URLSearchParams(splitTarget(request.path).query ?? "");
        if (query.get("said") === "throttled") {
          // Looked up, not counted: how long this visitor still waits now, not when it posted.
          const wait = throttle.retryAfter(request.clientIp, request.name);
          if (wait > 0) return throttled(request, wait, path, true);
        }
        const page = passwordPage({
          status: 401,
          host: request.headers.host,
          next: safeReturnPath(query.get("next")),
          formToken: signFormToken(secret, request.name, seconds()),
          ...loginSaid(query.get("said")),
        });
        return respond(page, "DENIED", "password_asked", { path });
      });
    }
    return respond(notFoundPage(), "DENIED", "not_found", { path });
  }

  /** The 403 for a visitor from a network the name does not allow; undefined for the others. */
  function addressRefusal(
    request: Pick<AccessRequest, "path" | "clientIp">,
    state: NameAccessState,
  ): AccessDecision | undefined {
    if (addressAllowed(state, request.clientIp)) return undefined;
    // A share token in the query is not logged, though it was not even looked at.
    const share = takeShareParam(request.path);
    return respond(
      addressNotAllowedPage(request.clientIp),
      "DENIED",
      "address_not_allowed",
      share.found ? { path: share.path } : {},
    );
  }

  /**
   * The name's state for what is answered without its tunnel (`tunnel` undefined: none is live),
   * then `answer`; `answer(undefined)` when it cannot be had in time (the database away).
   */
  function withState<T>(
    name: string,
    tunnel: object | undefined,
    answer: (state: NameAccessState | undefined) => T,
  ): T | Promise<T> {
    const state = cache.peek(name, tunnel);
    if (state) return answer(state);
    return withTimeout(cache.get(name, tunnel), stateWaitMs, "loading the access state").then(answer, () =>
      answer(undefined),
    );
  }

  /**
   * The gate with the name's state at hand: visitors from other networks than the allowed ones are
   * turned away first (the password form and share links included), then the access mode decides.
   */
  function admit(request: AccessRequest, state: NameAccessState): AccessDecision | Promise<AccessDecision> {
    const refused = addressRefusal(request, state);
    if (refused) return refused;
    const { pathname } = splitTarget(request.path);
    if (pathname.startsWith(RESERVED_PREFIX)) return reserved(request, pathname);
    const decision = decide(request, state);
    return decision instanceof Promise
      ? decision.then((d) => withNameSettings(d, state))
      : withNameSettings(decision, state);
  }

  /**
   * Whether the visitor of an open connection would still be let in by `state`, with what they
   * came with (the request's cookie, judged as at its arrival, or its Basic password) and from
   * their address: a revoked or expired link, a new password or mode, a narrowed address list
   * cut them off. A name made public keeps everyone.
   */
  async function admitsConnection(exchange: Exchange, state: NameAccessState): Promise<ConnectionVerdict> {
    if (!addressAllowed(state, exchange.clientIp)) return NOT_ADMITTED;
    if (state.mode === "PUBLIC") return ADMITTED;
    const headers = credentialHeaders(exchange.requestHeaders);
    const cookie = checkCookie(exchange.name, headers, state, exchange.atMs);
    if (cookie.ok) {
      if (cookie.grant.kind === "password") return ADMITTED;
      const expiresAt = state.links.get(cookie.grant.linkId)?.expiresAt;
      return expiresAt ? { admitted: true, until: expiresAt.getTime() } : ADMITTED;
    }
    const password = state.mode === "PASSWORD" ? basicAuthPassword(headers) : null;
    if (password === null || state.passwordHash === null) return NOT_ADMITTED;
    // Not throttled or counted: the visitor is not guessing, the relay is asking again.
    return (await passwords.matches(exchange.name, state.passwordHash, password)) ? ADMITTED : NOT_ADMITTED;
  }

  const connections = new OpenConnections({
    state: (name, scope) => cache.get(name, scope),
    admits: admitsConnection,
    logger,
    now,
  });
  let notified = false;

  return {
    connections,

    check(request) {
      const state = cache.peek(request.name, request.tunnel);
      if (state) return admit(request, state);
      return withTimeout(
        cache.get(request.name, request.tunnel),
        stateWaitMs,
        "loading the access state",
      ).then(
        (loaded) => admit(request, loaded),
        (error: unknown) => {
          // Signing out needs nothing stored (it clears the visitor's cookie): it works meanwhile.
          if (splitTarget(request.path).pathname === LOGOUT_PATH) return reserved(request, LOGOUT_PATH);
          // The edge answers 503 and logs it: without the name's state, the gate cannot know it
          // may be public. A visitor opening a share link is told that reloading it is safe, and
          // the log keeps the address without the token, as for every other answer.
          const share = takeShareParam(request.path);
          if (!share.found) throw error;
          const page = linkUnavailablePage(undefined, request.headers.host);
          throw new AccessUnavailable(
            `loading the access state failed: ${errorText(error)}`,
            page,
            share.path,
          );
        },
      );
    },

    offline(request) {
      // Networks first, as for a live tunnel: an outsider learns nothing, not even that the tunnel
      // is down. A visitor whose app went offline can still sign out (the cookie is the browser's,
      // not the tunnel's); everything else gets the offline page. Without the name's state (the
      // database away) its networks are unknown: the offline page, as the reservation lookup
      // answers then too.
      return withState(request.name, undefined, (state) => {
        const refused = state && addressRefusal(request, state);
        if (refused) return refused;
        return splitTarget(request.path).pathname === LOGOUT_PATH ? signOut(request) : undefined;
      });
    },

    screen(request) {
      return withState(request.name, request.tunnel, (state) => state && addressRefusal(request, state));
    },

    invalidate(name) {
      cache.invalidate(name);
      passwords.forget(name);
      void connections.recheck(name);
    },

    setNotified(listening) {
      cache.setNotified(listening);
      // Back after a gap in which changes went unannounced: open connections are checked again.
      if (listening && !notified) void connections.recheckAll();
      notified = listening;
    },

    close() {
      cache.clear();
      connections.close();
    },
  };
}

const ADMITTED: ConnectionVerdict = Object.freeze({ admitted: true, until: null });
const NOT_ADMITTED: ConnectionVerdict = Object.freeze({ admitted: false });

/** The headers that carry a visitor's credentials, from a request's raw header list (as Node joins them). */
function credentialHeaders(raw: readonly string[] | undefined): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  if (!raw) return headers;
  const cookies: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === "cookie") cookies.push(raw[i + 1]!);
    else if (name === "authorization") headers.authorization ??= raw[i + 1];
  }
  if (cookies.length > 0) headers.cookie = cookies.join("; ");
  return headers;
}

/** Each state's allowed addresses as a check, built once per load of the state. */
const addressChecks = new WeakMap<NameAccessState, (address: string) => boolean>();

/** True when the name lets this visitor in by address (it has no list, or the address is in it). */
function addressAllowed(state: NameAccessState, clientIp: string): boolean {
  if (state.allowedIps.length === 0) return true;
  let check = addressChecks.get(state);
  if (!check) {
    check = addressCheck(state.allowedIps);
    addressChecks.set(state, check);
  }
  return check(clientIp);
}

/**
 * A forwarded request with the name's own settings applied: "Host: localhost" for the app, bodies
 * kept for the log. Anything else, and a name with neither set, is unchanged (no copy made).
 */
function withNameSettings(decision: AccessDecision, state: NameAccessState): AccessDecision {
  if (decision.action !== "forward" || (!state.hostLocalhost && !state.keepBodies)) return decision;
  return {
    ...decision,
    ...(state.hostLocalhost ? { edits: { ...decision.edits, host: APP_HOST } } : {}),
    ...(state.keepBodies ? { keepBodies: true } : {}),
  };
}

/**
 * Keeps a gate current with the relay's control channel: a name's cached state is dropped on its
 * `access-changed` notification, and cached state is trusted for long only while notifications
 * arrive. Safe to call after the relay started listening (it reads the current state first).
 */
export function keepAccessGateCurrent(
  relay: Pick<Relay, "events" | "controlListening">,
  gate: Pick<AccessGateHandle, "invalidate" | "setNotified">,
): void {
  gate.setNotified(relay.controlListening);
  relay.events.on("access-changed", (name) => gate.invalidate(name));
  relay.events.on("control-listening", (listening) => gate.setNotified(listening));
}
