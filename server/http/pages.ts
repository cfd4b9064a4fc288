/**
 * The relay's own pages: plain HTML with inline CSS (no external assets, nothing about the tunnel's
 * owner). Anything echoed is HTML-escaped. The fixed pages are rendered once.
 */

import { createHash } from "node:crypto";
import { LOGO_PATHS } from "../../lib/brand/logo.ts";
import { TUNNEL_STATE_HEADER, WAIT_HEADER, WAIT_VALUE } from "./online-wait.ts";

/** A page the relay answers with instead of the tunnel's app. */
export interface EdgePage {
  status: number;
  /** Headers for `writeHead` or a raw socket; an array value is written as repeated headers. */
  headers: Readonly<Record<string, string | string[]>>;
  body: Buffer;
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for an HTML body or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

// The dashboard's palette (Tailwind zinc and indigo-600) and logo, so a visitor who later signs in
// recognises the product; dark like the dashboard when the visitor's system is.
const STYLE =
  ":root{color-scheme:light dark}body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;" +
  "font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#fafafa;color:#18181b}" +
  "main{max-width:34rem;padding:2rem}" +
  ".brand{display:flex;align-items:center;gap:.4rem;font-weight:600;letter-spacing:.04em;" +
  "color:#4f46e5;text-transform:uppercase;font-size:.8rem}" +
  "h1{font-size:1.6rem;margin:.4rem 0 .6rem}p{margin:.4rem 0;color:#52525b}" +
  "a{color:#4f46e5;font-weight:600;text-underline-offset:2px}" +
  ".code{font:13px ui-monospace,monospace;color:#71717a}" +
  "@media (prefers-color-scheme:dark){body{background:#09090b;color:#f4f4f5}.brand{color:#818cf8}" +
  "p{color:#a1a1aa}.code{color:#a1a1aa}a{color:#a5b4fc}}";

const LOGO =
  `<svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2.5" ` +
  `stroke-linecap="round" aria-hidden="true">${LOGO_PATHS.map((d) => `<path d="${d}"/>`).join("")}</svg>`;

/** Renders a branded page. `title` and `message` are escaped here; pass plain text. */
export function renderPage(status: number, title: string, message: string): EdgePage {
  return renderPageHtml(status, title, `<p>${escapeHtml(message)}</p>`);
}

/**
 * The same branded layout with caller-built HTML under the title (e.g. the tunnel password form).
 * `title` is escaped here; `innerHtml` must already be safe (escape anything that came from outside).
 * `isStep` marks a page the visitor acts on (a form) whatever its status.
 */
export function renderPageHtml(
  status: number,
  title: string,
  innerHtml: string,
  { isStep = status < 300, script }: { isStep?: boolean; script?: string } = {},
): EdgePage {
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta name="robots" content="noindex"><title>${escapeHtml(title)} · Burrow</title>` +
    `<style>${STYLE}</style></head><body><main><div class="brand">${LOGO}Burrow tunnel relay</div>` +
    `<h1>${escapeHtml(title)}</h1>${innerHtml}` +
    // The status helps whoever reports an error; on a page that is a step (a password form, a link
    // to confirm) it would only be noise.
    `${!isStep ? `<p class="code">HTTP ${status}</p>` : ""}</main>` +
    `${script ? `<script>${script}</script>` : ""}</body></html>\n`;
  const body = Buffer.from(html);
  return {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-length": String(body.length),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      // The relay's pages need no frames or remote assets, and no scripts but their own (by hash).
      "content-security-policy": `default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'${
        script ? `; script-src '${scriptHash(script)}'; connect-src 'self'` : ""
      }`,
    },
    body,
  };
}

function scriptHash(script: string): string {
  return `sha256-${createHash("sha256").update(script).digest("base64")}`;
}

/**
 * The offline page's script: asks the relay (WAIT_HEADER, answered by the relay itself and never
 * logged) to tell it when the tunnel is back, then reloads into the app. Held up to 25 s a time; on
 * anything else (the relay restarting) it asks again after 5 s. Only then does the page say it
 * reloads itself, so without scripts it does not promise it.
 */
const WAIT_SCRIPT =
  `(function(){var n=document.getElementById("back");` +
  `n.textContent="This page reloads by itself as soon as it is back.";` +
  `function w(){fetch(location.href,{headers:{"${WAIT_HEADER}":"${WAIT_VALUE}"},cache:"no-store"})` +
  `.then(function(r){var s=r.headers.get("${TUNNEL_STATE_HEADER}");` +
  `if(s==="online")location.reload();else setTimeout(w,s==="offline"?0:5000)},` +
  `function(){setTimeout(w,5000)})}w()})()`;

function withHeaders(page: EdgePage, headers: Record<string, string>): EdgePage {
  return { ...page, headers: { ...page.headers, ...headers } };
}

/** The fixed pages, rendered once at start. */
export const PAGES = {
  landing: renderPage(
    404,
    "This is a Burrow relay",
    "Burrow makes web apps on people's own machines reachable at names under this domain, " +
      "through an SSH connection. There is nothing to see at this address itself.",
  ),
  noSuchTunnel: renderPage(
    404,
    "No such tunnel",
    "Nobody has a tunnel at this address. Check the spelling of the link you followed.",
  ),
  tunnelOffline: renderPage(
    503,
    "Tunnel offline",
    "This name belongs to a tunnel that is not connected right now. Try again later.",
  ),
  /** The same for a GET (a page a browser shows): it reloads itself when the tunnel is back. */
  tunnelOfflineWaiting: renderPageHtml(
    503,
    "Tunnel offline",
    "<p>This name belongs to a tunnel that is not connected right now.</p>" +
      '<p id="back" role="status">Try again later.</p>',
    { script: WAIT_SCRIPT },
  ),
  localUnreachable: renderPage(
    502,
    "Nothing answers on the local port",
    "The tunnel is up but nothing answers on the local port it forwards to. " +
      "If this is your tunnel, check that your app is running.",
  ),
  localClosed: renderPage(
    502,
    "Your app closed the connection without answering",
    "The tunnel is up and the app took the request, but it closed the connection without an " +
      "answer (it may have crashed on this request). If this is your tunnel, your app's own " +
      "output says why.",
  ),
  localSocks: renderPage(
    502,
    "The tunnel forwards to no app",
    "The tunnel is up, but its ssh command gave -R no local address, so the ssh client acts as a " +
      "SOCKS proxy instead of passing requests to an app. If this is your tunnel, reconnect with " +
      "-R <name>:80:localhost:<your app's port>.",
  ),
  localNotHttp: renderPage(
    502,
    "The app does not answer in HTTP",
    "The tunnel is up, but what answers on its local port does not speak HTTP. " +
      "If this is your tunnel, check that it forwards to your web app's port.",
  ),
  localBadResponse: renderPage(
    502,
    "The app's answer is not valid HTTP",
    "The tunnel's app answered, but not in valid HTTP, so the relay could not pass it on. " +
      "If this is your tunnel, your ssh session says what was wrong.",
  ),
  localHeadersTooLarge: renderPage(
    502,
    "The app's response headers are too large",
    "The app behind this tunnel answered with more than 64 KiB of headers, more than the relay " +
      "passes on. If this is your tunnel, make them smaller (large or many cookies, usually).",
  ),
  localTls: renderPage(
    502,
    "The app answers in HTTPS",
    "The app behind this tunnel turned out to answer in HTTPS, which the relay uses with it from " +
      "now on. Please send your request again.",
  ),
  tunnelLoop: renderPage(
    508,
    "Tunnel loops back to the relay",
    "This tunnel forwards to the relay itself instead of to an app, so requests would go round in " +
      "circles. If this is your tunnel, point it at the port your app listens on.",
  ),
  tunnelUnresponsive: renderPage(
    504,
    "Tunnel not responding",
    "The computer this tunnel runs on did not answer in time: it may be asleep or have lost its " +
      "network. Try again in a moment.",
  ),
  badRequest: renderPage(400, "Bad request", "The relay could not understand this request."),
  missingHost: renderPage(
    400,
    "Bad request",
    "This request names no host (no Host header), so the relay cannot tell which tunnel it is for.",
  ),
  twoHosts: renderPage(
    400,
    "Bad request",
    "This request has more than one Host header, so the relay cannot tell which tunnel it is for.",
  ),
  asteriskNotForwarded: renderPage(
    501,
    "Not supported",
    "The relay does not pass server-wide OPTIONS * requests on to tunnels; ask for a path instead.",
  ),
  notAProxy: renderPage(
    501,
    "Not supported",
    "The relay is not a proxy: it does not open CONNECT tunnels. Ask for a path on a tunnel's address instead.",
  ),
  // Retry-After for scripts and webhook senders that honour it: a restart takes seconds.
  draining: withHeaders(
    renderPage(503, "Relay restarting", "The relay is restarting. Try again in a moment."),
    { "retry-after": "5" },
  ),
  accessUnavailable: withHeaders(
    renderPage(
      503,
      "Tunnel unavailable for a moment",
      "This tunnel is connected, but the relay cannot check who may open this tunnel right now " +
        "(it cannot reach its database). Try again in a moment.",
    ),
    { "retry-after": "5" },
  ),
  tunnelBusy: withHeaders(
    renderPage(
      503,
      "Tunnel busy",
      "This tunnel already has as many requests open as it may, and none finished in time. " +
        "Try again in a moment.",
    ),
    { "retry-after": "5" },
  ),
} as const satisfies Record<string, EdgePage>;

/** A page as raw HTTP/1.1 bytes, for sockets the HTTP server has handed over (upgrades, client errors). */
export function rawResponse(page: EdgePage): Buffer {
  let head = `HTTP/1.1 ${page.status} ${STATUS_TEXT[page.status] ?? "Error"}\r\n`;
  for (const [name, value] of Object.entries(page.headers)) {
    if (name.toLowerCase() === "connection") continue;
    for (const one of typeof value === "string" ? [value] : value) head += `${name}: ${one}\r\n`;
  }
  return Buffer.concat([Buffer.from(`${head}connection: close\r\n\r\n`), page.body]);
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/**
 * The answer to a request head past the edge's limits (request-head-size.ts), the same page over
 * HTTP/1.1 (from Node's parser, or from the edge for too many fields) and over HTTP/2.
 */
export const HEADERS_TOO_LARGE_PAGE = renderPage(
  431,
  "Request headers too large",
  "Your browser sent more headers than the relay accepts, usually because the cookies it keeps " +
    "for this site have grown too big. Clear this site's cookies in your browser, then try again.",
);

const HEADERS_TOO_LARGE = rawResponse(HEADERS_TOO_LARGE_PAGE);

/** Why a request Node's parser refused got its status, in one line for whoever sent it (a script). */
const CLIENT_ERROR_TEXT: Record<400 | 408, string> = {
  400:
    "Bad request: the relay could not parse it as HTTP. In a path, spaces and non-ASCII characters " +
    "must be percent-encoded (curl does it with --url-query or by hand).\n",
  408: "Request timeout: the request's headers did not arrive in time.\n",
};

/**
 * The whole answer to a request Node's parser refused, for the raw socket. Oversized headers get a
 * page (a browser would otherwise show its own blank error, and the visitor can fix it by clearing
 * cookies); malformed or too slow requests come from scripts and hand-made clients, not browsers:
 * one line of plain text says what was wrong.
 */
export function clientErrorResponse(status: 400 | 408 | 431): Buffer {
  if (status === 431) return HEADERS_TOO_LARGE;
  const text = CLIENT_ERROR_TEXT[status];
  return Buffer.from(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}

/**
 * The offline page for a request: a GET's (a page a browser shows) waits for the tunnel and
 * reloads; any other method's would send the request again on reload, so it only says so. A HEAD
 * gets the GET's headers (its length included), as HTTP asks.
 */
export function tunnelOfflinePage(method: string | undefined): EdgePage {
  return method === "GET" || method === "HEAD" ? PAGES.tunnelOfflineWaiting : PAGES.tunnelOffline;
}
