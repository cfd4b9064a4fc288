/**
 * What the access gate answers with when it does not forward: the password page, the share-link
 * pages, "too many attempts", and short plain-text answers for scripts and upgrades. Branded like
 * the edge's other pages and, like them, free of anything about the tunnel's owner or app.
 */
import { type EdgePage, escapeHtml, renderPage, renderPageHtml } from "../http/pages.ts";
import { LOGIN_PATH, LOGOUT_PATH, SHARE_PATH, sameHostPath } from "./request-parts.ts";

/** Extra headers on top of a page's own (Set-Cookie, Retry-After, Location). */
type ExtraHeaders = Readonly<Record<string, string | string[]>>;

/**
 * For pages shown at a URL that may carry a share token, and for the redirects that leave one: a
 * browser keeps the URL it came from as the next request's Referer (and `document.referrer`, which
 * an app's analytics script reads), so without this the token would reach the app after all.
 */
const NO_REFERRER = { "referrer-policy": "no-referrer" } as const;

/**
 * For the share link's confirmation page, whose form posts back to the relay: only the origin goes
 * out as a Referer (never the token's URL), and the post keeps its real Origin header, which the
 * relay checks. With no-referrer browsers send `Origin: null`, which only those that also send
 * Sec-Fetch-Site could be told apart from a cross-site post by (Safari before 16.4 does not).
 */
const ORIGIN_ONLY = { "referrer-policy": "strict-origin" } as const;

function withHeaders(page: EdgePage, extra: ExtraHeaders | undefined): EdgePage {
  return extra ? { ...page, headers: { ...page.headers, ...extra } } : page;
}

/**
 * The address a page is about ("myapp.example.com"), so a visitor with several tabs open knows which
 * one asks. It comes from the Host header: data, escaped, never markup.
 */
function addressLine(host: string | undefined): string {
  return host ? `<p class="address">${escapeHtml(host)}</p>` : "";
}

const FORM_STYLE =
  "<style>form{margin-top:1.2rem}label{display:block;font-weight:600;margin-bottom:.3rem}" +
  "input[type=password]{width:100%;box-sizing:border-box;padding:.55rem .7rem;font:inherit;" +
  "border:1px solid #d4d4d8;border-radius:6px;background:#fff}" +
  "input[type=password]:focus{outline:2px solid #4f46e5;outline-offset:1px}" +
  "button{margin-top:.9rem;padding:.55rem 1.2rem;font:inherit;font-weight:600;color:#fff;" +
  "background:#4f46e5;border:0;border-radius:6px;cursor:pointer}button:disabled{opacity:.7;cursor:progress}" +
  ".error{color:#b91c1c;font-weight:600}" +
  ".address{margin-top:-.3rem;font-weight:600;color:#3f3f46;overflow-wrap:anywhere}" +
  "@media (prefers-color-scheme:dark){input[type=password]{background:#18181b;border-color:#52525b;color:#f4f4f5}" +
  "input[type=password]:focus{outline-color:#818cf8}.error{color:#fca5a5}.address{color:#d4d4d8}}</style>";

/**
 * The forms' one script (allowed by its hash): once sent, the button says what is happening and
 * takes no second press, since on a slow network a page that shows nothing for seconds gets pressed
 * again. A page restored by Back is usable again. Without scripts the forms work as they are.
 */
const FORM_SCRIPT =
  'var b=document.querySelector("form button"),t=b.textContent;' +
  'b.form.addEventListener("submit",function(){b.disabled=true;b.textContent=b.dataset.busy});' +
  'addEventListener("pageshow",function(){b.disabled=false;b.textContent=t})';

export interface PasswordPageOptions {
  /** 401 when asking, 400 for a stale or broken form. */
  status: number;
  /** Where to go after signing in (already checked by safeReturnPath). */
  next: string;
  formToken: string;
  /** Shown in an alert, e.g. "That password is not right." */
  error?: string;
  /** Shown above the form, e.g. why the visitor was signed out. */
  notice?: string;
  /** The visitor's Host header, shown under the title. */
  host?: string;
  headers?: ExtraHeaders;
}

/**
 * What the login page says after a post that did not sign in, named in its address (`said`): the
 * post is answered with a redirect to the page (POST-redirect-GET), so Back and reload never send
 * the password again. Fixed texts: nothing from the address is shown.
 */
const LOGIN_SAID = {
  wrong: { error: "That password is not right." },
  empty: { error: "Enter the password." },
  expired: { notice: "The page was open for too long. Enter the password again." },
  // While the wait lasts the gate answers with the "Too many attempts" page instead (its 429).
  throttled: { notice: "You may try the password again." },
} as const satisfies Record<string, Pick<PasswordPageOptions, "error" | "notice">>;

export type LoginSaid = keyof typeof LOGIN_SAID;

/** The login page's address saying `said`, with where to go after signing in (never the password). */
export function loginPageAddress(next: string, said: LoginSaid): string {
  return `${LOGIN_PATH}?${new URLSearchParams({ next, said }).toString()}`;
}

/** What the login page at this `said` shows (nothing for an unknown one). */
export function loginSaid(said: string | null): Pick<PasswordPageOptions, "error" | "notice"> {
  return said !== null && Object.hasOwn(LOGIN_SAID, said) ? LOGIN_SAID[said as LoginSaid] : {};
}

/**
 * The password form. A plain POST form (works without JavaScript) to the relay's reserved login
 * path; `next` and the form token travel as hidden fields, escaped like everything else.
 */
export function passwordPage(options: PasswordPageOptions): EdgePage {
  const error = options.error
    ? `<p class="error" role="alert" id="password-error">${escapeHtml(options.error)}</p>`
    : "";
  const notice = options.notice ? `<p>${escapeHtml(options.notice)}</p>` : "";
  const described = options.error ? ` aria-describedby="password-error" aria-invalid="true"` : "";
  const html =
    `${FORM_STYLE}${addressLine(options.host)}${notice}<p>This address is protected. Enter the password you were given to continue.</p>` +
    `${error}<form method="post" action="${LOGIN_PATH}">` +
    `<input type="hidden" name="next" value="${escapeHtml(options.next)}">` +
    `<input type="hidden" name="form" value="${escapeHtml(options.formToken)}">` +
    `<label for="password">Password</label>` +
    `<input id="password" name="password" type="password" autocomplete="current-password" required autofocus${described}>` +
    `<button type="submit" data-busy="Checking…">Continue</button></form>`;
  return withHeaders(
    renderPageHtml(options.status, "Password required", html, { isStep: true, script: FORM_SCRIPT }),
    options.headers,
  );
}

export interface ShareConfirmPageOptions {
  /** The share token, carried to the confirming post in a hidden field. */
  token: string;
  /** Where to go once the link is opened (already checked by safeReturnPath). */
  next: string;
  /** Opens left on a link with a use limit; null for a link without one. */
  usesLeft: number | null;
  /** Opens counted so far: a link nobody opened yet says how often it opens, not how often "more". */
  uses?: number;
  /** The visitor's Host header, shown under the title. */
  host?: string;
  /** This page's confirmation id (createConfirmationId): its post counts once, however often sent. */
  confirmation: string;
}

/** "This link can be opened 3 times." / "… once more." (empty for a link without a limit). */
function usesSentence(usesLeft: number | null, uses: number | undefined): string {
  if (usesLeft === null) return "";
  const times = usesLeft === 1 ? "once" : `${usesLeft} times`;
  if (uses === 0) return ` This link can be opened ${times}.`;
  return ` This link can be opened ${usesLeft === 1 ? "once more" : `${usesLeft} more times`}.`;
}

/**
 * "Open this shared address": shown instead of opening a link with a use limit straight away. Chat
 * apps fetch every link they are sent to build a preview; only this form's post counts a use, so a
 * preview does not use up a one-time link before the person it was meant for clicks it.
 */
export function shareConfirmPage(options: ShareConfirmPageOptions): EdgePage {
  const left = usesSentence(options.usesLeft, options.uses);
  const html =
    `${FORM_STYLE}${addressLine(options.host)}<p>Someone shared this address with you.${left}</p>` +
    `<form method="post" action="${SHARE_PATH}">` +
    `<input type="hidden" name="token" value="${escapeHtml(options.token)}">` +
    `<input type="hidden" name="next" value="${escapeHtml(options.next)}">` +
    `<input type="hidden" name="confirmation" value="${escapeHtml(options.confirmation)}">` +
    `<button type="submit" data-busy="Opening…">Open</button></form>`;
  // The token is in this page's URL: no Referer carries it anywhere, not even to this host's app.
  // The browser then sends `Origin: null` with the form; postOrigin reads Sec-Fetch-Site for it.
  return withHeaders(renderPageHtml(200, "Open shared address", html, { script: FORM_SCRIPT }), ORIGIN_ONLY);
}

/** What a post of the confirmation form carried, to send again from the "try again" page. */
export interface ShareConfirmation {
  token: string;
  next: string;
  /** Absent from a page the relay showed before confirmations had ids (counted again if sent). */
  confirmation?: string;
}

/**
 * The share link could not be opened in time (the relay's database away or slow): 503, "try
 * again". After a confirmation, a button posts the same confirmation again, which the relay counts
 * at most once; after a plain open of the link, reloading the page (its URL is the link) is the
 * retry.
 */
export function linkUnavailablePage(posted?: ShareConfirmation, host?: string): EdgePage {
  const intro =
    "<p>The relay cannot reach its database right now, so it could not open this link. Nothing " +
    "is wrong with the link.</p>";
  if (!posted) {
    const page = renderPageHtml(
      503,
      "Try again in a moment",
      `${addressLine(host)}${intro}<p>Reload this page in a moment to try again.</p>`,
    );
    return withHeaders(page, { "retry-after": "5", ...NO_REFERRER });
  }
  const confirmation =
    posted.confirmation === undefined
      ? ""
      : `<input type="hidden" name="confirmation" value="${escapeHtml(posted.confirmation)}">`;
  const html =
    `${FORM_STYLE}${addressLine(host)}${intro}<p>Try again in a moment. If your open was counted ` +
    "already, trying again does not count it a second time.</p>" +
    `<form method="post" action="${SHARE_PATH}">` +
    `<input type="hidden" name="token" value="${escapeHtml(posted.token)}">` +
    `<input type="hidden" name="next" value="${escapeHtml(posted.next)}">${confirmation}` +
    `<button type="submit" data-busy="Opening…">Try again</button></form>`;
  const page = renderPageHtml(503, "Try again in a moment", html, { isStep: true, script: FORM_SCRIPT });
  return withHeaders(page, { "retry-after": "5", ...ORIGIN_ONLY });
}

/**
 * `/__burrow/logout` opened with a GET (a link in the app, a typed address): a button that posts the
 * sign-out. A GET itself changes nothing, or any other site could sign visitors out with an image.
 */
export function signOutPage(host?: string): EdgePage {
  const html =
    `${FORM_STYLE}${addressLine(host)}<p>Sign this browser out of this address? If it asks for a ` +
    "password or a share link, the next visit asks for it again.</p>" +
    `<form method="post" action="${LOGOUT_PATH}">` +
    `<button type="submit" data-busy="Signing out…">Sign out</button></form>`;
  return renderPageHtml(200, "Sign out", html, { script: FORM_SCRIPT });
}

// The same page for every name (signing out needs no state): worded so it is true of a public name
// too, where the next visit asks for nothing.
const SIGNED_OUT_HTML =
  "<p>This browser is signed out of this address. If the address asks for a password or a share " +
  'link, the next visit asks for it again.</p><p><a href="/">Open the address again</a></p>';

/** After `/__burrow/logout`: the cookie is cleared by the given Set-Cookie header. */
export function signedOutPage(setCookie: string): EdgePage {
  return withHeaders(renderPageHtml(200, "Signed out", SIGNED_OUT_HTML), { "set-cookie": setCookie });
}

/** Why a share link (or the cookie it gave) no longer admits. */
export type LinkProblem = "unknown" | "revoked" | "expired" | "used_up";

const LINK_PAGES: Record<LinkProblem, EdgePage> = {
  unknown: renderPage(
    404,
    "This link does not work",
    "The link you followed is not valid here. Check that you copied all of it, or ask for a new one.",
  ),
  revoked: renderPage(
    403,
    "This link was revoked",
    "The link you used no longer gives access. Ask for a new one.",
  ),
  expired: renderPage(
    410,
    "This link has expired",
    "The link you used is past its expiry date. Ask for a new one.",
  ),
  used_up: renderPage(
    410,
    "This link has been used up",
    "The link you used was valid for a limited number of visits, and they have been used. Ask for a new one.",
  ),
};

/** The page for a share link that does not (or no longer) admit; often shown at the link's URL. */
export function linkProblemPage(problem: LinkProblem, headers?: ExtraHeaders): EdgePage {
  return withHeaders(LINK_PAGES[problem], { ...NO_REFERRER, ...headers });
}

const LINK_NOTICES: Record<LinkProblem, string> = {
  unknown: "The link you followed does not work here.",
  revoked: "The link you used was revoked.",
  expired: "The link you used has expired.",
  used_up: "The link you used has been used up.",
};

/**
 * The same on a name with a password: what went wrong with the link, and the password form, so a
 * visitor who knows the password is not left at a dead end. With the link page's status.
 */
export function linkProblemPasswordPage(
  problem: LinkProblem,
  options: Omit<PasswordPageOptions, "status" | "notice" | "headers">,
): EdgePage {
  return passwordPage({
    ...options,
    status: LINK_PAGES[problem].status,
    notice: `${LINK_NOTICES[problem]} If you know the password, enter it below.`,
    headers: NO_REFERRER,
  });
}

const LINKS_ONLY = renderPage(
  403,
  "This address is private",
  "It can only be opened with a share link. If you were given one, open that link.",
);

/** Why a share link did not open: it came in a request that is not a browser's GET. */
export const LINK_NOT_NAVIGATION_TEXT =
  "Share links are opened in a browser first (a GET request, by following the link); this request " +
  "cannot open one. For webhooks and scripts, the owner can give the address a password, sent " +
  "with HTTP Basic auth (curl -u :PASSWORD).";
const LINK_NOT_NAVIGATION = renderPage(403, "Share link not opened", LINK_NOT_NAVIGATION_TEXT);

/**
 * A links-only address's 403 to a request that carries a share link but cannot open one (a POST
 * from a webhook or a form, an upgrade): said so, not "open that link", which the visitor did.
 */
export function linkNotNavigationPage(headers?: ExtraHeaders): EdgePage {
  return withHeaders(LINK_NOT_NAVIGATION, headers);
}

const ADDRESS_NOT_ALLOWED_TEXT =
  "This address only opens for certain networks, and yours is not one of them. If you should have access, ask its owner to allow your network.";
const ADDRESS_NOT_ALLOWED = renderPage(403, "Not open to your network", ADDRESS_NOT_ALLOWED_TEXT);

/**
 * For names with allowed addresses, to visitors from any other. With the visitor's address (as the
 * relay saw it), which is what the owner needs to allow them; escaped like anything from outside.
 */
export function addressNotAllowedPage(clientIp?: string): EdgePage {
  if (!clientIp) return ADDRESS_NOT_ALLOWED;
  return renderPageHtml(
    403,
    "Not open to your network",
    `<p>${escapeHtml(ADDRESS_NOT_ALLOWED_TEXT)}</p><p>Your address: <strong>${escapeHtml(clientIp)}</strong></p>`,
  );
}

/** For names in links-only mode, to visitors without a valid link. */
export function linksOnlyPage(headers?: ExtraHeaders): EdgePage {
  return withHeaders(LINKS_ONLY, headers);
}

/** "Too many attempts" with Retry-After; nothing is verified while it applies. */
export function tooManyAttemptsPage(retryAfterSeconds: number): EdgePage {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  const page = renderPage(
    429,
    "Too many attempts",
    `Too many wrong passwords were tried for this address. Try again in ${minutes === 1 ? "a minute" : `${minutes} minutes`}.`,
  );
  return withHeaders(page, { "retry-after": String(retryAfterSeconds) });
}

const CROSS_SITE = renderPage(
  403,
  "Form refused",
  "This form was not sent from this address's own page. Open the address and try again.",
);
const BAD_FORM = renderPage(400, "Bad request", "The relay could not read this sign-in form.");

const NOT_FOUND = renderPage(404, "Not found", "There is nothing at this address of the relay.");

/** Any other path under the reserved prefix. */
export function notFoundPage(): EdgePage {
  return NOT_FOUND;
}

/** The form was posted from another site. */
export function crossSitePage(): EdgePage {
  return CROSS_SITE;
}

/** The body was not our form (wrong type, too large, too slow). */
export function badFormPage(): EdgePage {
  return BAD_FORM;
}

/**
 * A short plain-text answer for scripts, EventSource and WebSocket upgrades, which cannot use a
 * form anyway (and must not be sent a page they would try to parse as their protocol).
 */
export function plainAnswer(status: number, text: string, headers?: ExtraHeaders): EdgePage {
  const body = Buffer.from(`${text}\n`);
  return {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "content-length": String(body.length),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      ...headers,
    },
    body,
  };
}

const EMPTY = Buffer.alloc(0);

/**
 * 303 See Other to a same-host path (after a sign-in or a share link), optionally setting a cookie.
 * No Referer follows it: the page the visitor came from may have had the share token in its URL,
 * and a redirect's Referrer-Policy decides what the redirected request (and the landed page) keep.
 */
export function redirectTo(location: string, setCookie?: string): EdgePage {
  return {
    status: 303,
    headers: {
      // Most locations come from the visitor's own request line.
      location: sameHostPath(location),
      "content-length": "0",
      "cache-control": "no-store",
      ...NO_REFERRER,
      ...(setCookie ? { "set-cookie": setCookie } : {}),
    },
    body: EMPTY,
  };
}
