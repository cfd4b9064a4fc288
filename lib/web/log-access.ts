// Pure: what the request log says about a row: its Access column and, opened, what happened.
import type { Admission } from "../db.ts";
import type { OpenState } from "../request-logs/query.ts";
import { type AccessPage, type RequestLogError, waitingState } from "../request-logs/row.ts";

const ADMISSION: Record<Admission, string> = {
  PUBLIC: "Public",
  PASSWORD: "Password",
  SHARE_LINK: "Share link",
  DENIED: "Denied",
  REPLAY: "Replay",
};

/**
 * The relay's own access pages, as the owner reads them. `refused` marks the answers that kept a
 * visitor out for a reason they may need help with (a wrong password, a dead link); the others
 * are steps of getting in (asked for the password, confirming a link) or of leaving.
 */
const PAGES: Record<AccessPage, { label: string; refused: boolean; detail: string }> = {
  password_asked: {
    label: "Password asked",
    refused: false,
    detail: "Burrow asked the visitor for the tunnel password (a 401 for scripts).",
  },
  password_wrong: { label: "Wrong password", refused: true, detail: "The visitor entered a wrong password." },
  form_expired: {
    label: "Form expired",
    refused: false,
    detail: "The password form had been open too long; Burrow showed it again (not counted as a guess).",
  },
  too_many_attempts: {
    label: "Too many attempts",
    refused: true,
    detail: "Too many wrong passwords from this address or for this name: Burrow is making them wait.",
  },
  signed_in: {
    label: "Signed in",
    refused: false,
    detail: "The visitor entered the right password and was let in.",
  },
  link_confirm: {
    label: "Link confirmation",
    refused: false,
    detail: "A share link with a use limit: Burrow asked the visitor to confirm before using one.",
  },
  link_opened: {
    label: "Link opened",
    refused: false,
    detail: "The visitor opened a share link and was let in.",
  },
  link_unknown: {
    label: "Unknown link",
    refused: true,
    detail: "The visitor came with a link Burrow does not know.",
  },
  link_revoked: {
    label: "Revoked link",
    refused: true,
    detail: "The visitor came with a share link you revoked.",
  },
  link_expired: {
    label: "Expired link",
    refused: true,
    detail: "The visitor came with an expired share link.",
  },
  link_used_up: {
    label: "Used-up link",
    refused: true,
    detail: "The visitor came with a share link that had no uses left.",
  },
  links_only: {
    label: "Link required",
    refused: true,
    detail: "This name is open to share links only, and the visitor had none.",
  },
  signed_out: { label: "Signed out", refused: false, detail: "The visitor signed out of this tunnel." },
  sign_out_confirm: {
    label: "Sign-out page",
    refused: false,
    detail: "The visitor opened the sign-out address: Burrow asked them to press Sign out (nothing changed).",
  },
  form_rejected: {
    label: "Form refused",
    refused: true,
    detail: "A post to Burrow's access forms from another site, or one it could not read, was refused.",
  },
  now_public: {
    label: "Public",
    refused: false,
    detail: "The name is no longer protected: Burrow sent the visitor on to the page.",
  },
  not_found: {
    label: "Not found",
    refused: true,
    detail: "An unknown path under /__burrow/, Burrow's own prefix.",
  },
  address_not_allowed: {
    label: "Address not allowed",
    refused: true,
    detail: "The visitor's address is not in this name's allowed addresses (Access & sharing).",
  },
  link_not_needed: {
    label: "Link not needed",
    refused: false,
    detail:
      "The visitor opened a share link but already had access (signed in, or through an earlier link): Burrow did not use the link and sent them on to the address without it.",
  },
};

export interface AccessCell {
  label: string;
  /** Answered by the relay instead of the app. */
  byRelay: boolean;
  /** Shown as a refusal. */
  refused: boolean;
}

/**
 * The Access column: how the visitor got in, or which of Burrow's pages answered instead of the
 * app. A page name this dashboard does not know (written by a newer relay) falls back to the
 * admission.
 */
export function accessCell(admission: Admission, accessPage: string | null): AccessCell {
  const page =
    accessPage !== null && Object.hasOwn(PAGES, accessPage) ? PAGES[accessPage as AccessPage] : null;
  if (page) return { label: page.label, byRelay: true, refused: page.refused };
  return { label: ADMISSION[admission], byRelay: accessPage !== null, refused: admission === "DENIED" };
}

/**
 * Why the relay answered a request itself (RequestLog.error), as the owner reads it: what happened
 * and, where there is one, what to do about it.
 */
const ERRORS: Record<RequestLogError, string> = {
  tunnel_offline: "No ssh client was connected for this name, so Burrow answered that the tunnel is offline.",
  local_unreachable:
    "Your ssh client was connected, but nothing answered on the local port it forwards to: is your app running, and does your -R name the address it listens on? An app listening only on IPv6 (::1) is not reached at 127.0.0.1; -R name:80:localhost:<port> tries each address of localhost.",
  local_closed:
    "Your app took the connection and closed it without answering: it runs, but this request made it hang up (an uncaught error in its handler, or a process that crashed on it). Its own output or log says why.",
  local_socks:
    "Your ssh command's -R named no local address (-R name:80), so OpenSSH made the tunnel a SOCKS proxy instead of forwarding to your app, and hung up on the request. Reconnect with -R name:80:localhost:<your app's port>.",
  local_not_http:
    "Something answered on the local port, but not in HTTP: does the tunnel forward to your web app's port (not a database's or ssh's)? A Next.js dev server answers its live-reload connection like this when the tunnel's host is not in allowedDevOrigins.",
  local_bad_response:
    "Your app answered, but its answer broke the rules of HTTP (a control character in a header, or a body longer or shorter than its Content-Length), so Burrow could not pass it on and the visitor got an error page. Your ssh session said what was wrong; browsers would refuse such an answer too.",
  local_headers_too_large:
    "Your app answered with more than 64 KiB of response headers (usually too many or too large cookies), more than Burrow passes on, so the visitor got an error page instead. Make them smaller: keep session data on the server rather than in cookies.",
  local_tls:
    "Burrow found out on this request that your app answers in HTTPS and uses HTTPS with it from then on; this request's body was already sent in plain HTTP, so the visitor was asked to send it again.",
  tunnel_loop:
    "This request came back to Burrow through your own tunnel: your ssh -R forwards to the relay's own HTTP(S) port (BURROW_HTTP_PORT on the relay's machine) instead of your app's, so Burrow stopped it rather than send it round again. Reconnect with the port your app listens on.",
  tunnel_unresponsive:
    "Your ssh client was connected but did not answer within 15 seconds (the computer asleep, its network gone, or ssh stopped), so the visitor was told the tunnel is not responding.",
  // Not counted as an error (NOT_TUNNEL_ERRORS): how every event stream ends.
  client_aborted:
    "The visitor went away before the response was complete (closed the page or the connection). Not an error of your tunnel, and not counted as one.",
  upstream_aborted: "The response was cut short: your app or the ssh connection closed it mid-way.",
  relay_draining: "The relay was shutting down or restarting, so it took no new requests.",
  relay_shutdown:
    "The relay was shutting down and closed it: the response was still going (an event stream, a long download) when the relay stopped or restarted.",
  tunnel_busy:
    "Every connection to your app stayed busy (long polls, event streams, an app paused in a debugger), so the visitor was told to retry.",
  replay_stopped:
    "Your app was still sending its answer when Burrow stopped reading it, after 30 seconds (an event stream or a long poll?).",
  // Not counted as an error either (NOT_TUNNEL_ERRORS): what the owner asked for.
  access_revoked:
    "Burrow closed this connection because the visitor's access ended while it was open: the share link they came with was revoked or expired, the password was changed, or their address is no longer allowed. Not an error of your tunnel, and not counted as one.",
  access_unavailable:
    "Your ssh client was connected, but Burrow could not reach its database to check who may open this name (its password, share links, allowed networks), so it asked the visitor to try again in a moment. Your app did not see this request.",
  stream_dropped:
    "An event stream opened while no ssh client was connected for this name: Burrow held it for up to 25 seconds in case the tunnel came back, then closed the connection without an answer, so the visitor's browser tries again by itself (a 503 would have stopped its EventSource for good). Your app did not see this request.",
};

/** The parts of a log row its explanation depends on. */
export interface OutcomeFacts {
  admission: Admission;
  status: number;
  error: string | null;
  accessPage: string | null;
  upgrade?: boolean;
  /** A WebSocket or event stream logged while open (RequestLogRow.openState). */
  openState?: OpenState | null;
}

/**
 * One sentence saying what happened to a request: why the relay answered it, which access page the
 * visitor saw, or that the app answered; for a replay, that it was one first. Values this dashboard
 * does not know (a newer relay) fall back to the plain facts.
 */
export function describeOutcome(row: OutcomeFacts): string {
  if (row.admission !== "REPLAY") return whatHappened(row);
  // Nobody waited on a replay: the sentences about what a visitor was told do not apply.
  const said =
    row.error === "tunnel_busy"
      ? "Every connection to your app stayed busy (long polls, event streams), so Burrow did not send it."
      : row.error === "tunnel_offline"
        ? "No ssh client was connected for this name by then, so Burrow could not send it."
        : whatHappened(row);
  return `Sent again from the dashboard (Replay). ${said}`;
}

function whatHappened(row: OutcomeFacts): string {
  if (row.error !== null && Object.hasOwn(ERRORS, row.error)) return ERRORS[row.error as RequestLogError];
  if (row.accessPage !== null) {
    const page = Object.hasOwn(PAGES, row.accessPage) ? PAGES[row.accessPage as AccessPage] : null;
    const said = page ? page.detail : "Burrow answered with one of its access pages.";
    return `${said} Your app did not see this request.`;
  }
  if (row.error !== null) return `Burrow answered itself (${row.error}).`;
  // Written open while the request waited for the app's answer: no status yet.
  const waiting = waitingState({ status: row.status, openState: row.openState ?? null });
  if (waiting === "waiting") {
    return "Waiting for your app to answer: Burrow passed the request on and nothing has come back yet (a slow or stuck handler, a long poll, an app paused in a debugger). This row is completed when the answer comes, or says what happened if the visitor gives up or the tunnel goes away.";
  }
  if (waiting === "no_answer") {
    return "No answer was recorded: the tunnel went away (the relay stopped or restarted) while this request was waiting for your app, so its end is not known.";
  }
  const what = row.upgrade ? "a WebSocket connection" : "an event stream";
  if (row.openState === "open") {
    return `Your app answered ${row.status}: ${what} that is still open. While these details are open, its bytes and ${row.upgrade ? "messages" : "body"} so far are brought in every few seconds; all of it is written when it closes.`;
  }
  if (row.openState === "unrecorded") {
    return `Your app answered ${row.status}: ${what}. Its end was not recorded: the tunnel went away while it was open (the relay stopped or restarted), so its time and bytes are those of its start.`;
  }
  if (row.upgrade && row.status === 101) return "Your app answered 101: a WebSocket connection, now closed.";
  return `Your app answered ${row.status}.`;
}
