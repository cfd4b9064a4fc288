import { byteEscape, headerPieces } from "../request-logs/header-text.ts";
import { CUT_NAME, type HeaderPair } from "../request-logs/headers.ts";
import { hiddenHeaderNames, pathWasCut } from "../request-logs/replay-rules.ts";
import { LOG_PATH_MAX } from "../request-logs/row.ts";

// Pure: the request details build it on the client from a log row.

/** Headers curl writes itself from the URL and its own connection, or that would mislead a replay. */
const LEFT_TO_CURL: ReadonlySet<string> = new Set([
  "host",
  "connection",
  "keep-alive",
  "content-length",
  "transfer-encoding",
  "te",
  "upgrade",
  "proxy-connection",
  "accept-encoding",
]);

/** Methods whose empty body is still a body (sent with Content-Length: 0). */
const SENDS_BODY: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH"]);

export interface CurlReplay {
  /** Null when the log does not hold the whole request target (`refused` says why). */
  command: string | null;
  /** Why there is no command: one made from what the log kept would silently ask for another URL. */
  refused: string | null;
  /** Headers the visitor sent that the log hid (credentials), so the command cannot carry them. */
  hidden: string[];
}

/** Quotes a word for a POSIX shell: inside single quotes nothing is special but the quote itself. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * A header as curl's -H word, sending the bytes the visitor sent once pasted into a UTF-8 terminal:
 * its value as text (UTF-8, as the details show it) in single quotes; one with bytes that are not
 * UTF-8 in bash's (and zsh's) $'…' instead, those bytes written \xE9 as the details show them.
 */
function headerWord(name: string, stored: string): string {
  const pieces = headerPieces(stored);
  if (pieces.every((piece) => typeof piece === "string")) return shellQuote(`${name}: ${pieces.join("")}`);
  let word = "";
  for (const piece of [`${name}: `, ...pieces]) {
    word += typeof piece === "number" ? byteEscape(piece) : piece.replace(/[\\']/g, "\\$&");
  }
  return `$'${word}'`;
}

/**
 * A curl command that sends a logged request again, to the tunnel's public address: the method,
 * path and the headers the log kept, and the body when the log kept all of it as text (`body`).
 * A compressed answer is asked for with --compressed (curl decodes it) instead of the visitor's
 * Accept-Encoding.
 */
export function curlCommand(
  publicUrl: string,
  method: string,
  path: string,
  headers: HeaderPair[],
  body?: string,
): CurlReplay {
  const hidden = hiddenHeaderNames(headers);
  if (pathWasCut(path)) {
    return {
      command: null,
      refused: `the log kept only the first ${LOG_PATH_MAX} characters of its path, so a command would ask for another URL`,
      hidden,
    };
  }
  // An empty kept body is no body for a GET (every request's is kept as empty): --data-raw '' would
  // send a form post's Content-Type and Content-Length. A POST's empty body is sent as one.
  const data = body === "" && !SENDS_BODY.has(method) ? undefined : body;
  const words = ["curl"];
  if (method === "HEAD") words.push("--head");
  // A GET with a body names its method too: with --data-raw alone, curl would send a POST.
  else if (method !== "GET" || data !== undefined) words.push("-X", shellQuote(method));
  words.push(shellQuote(`${publicUrl.replace(/\/+$/, "")}${path.startsWith("/") ? path : `/${path}`}`));
  let compressed = false;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === "accept-encoding") compressed = true;
    if (value === null || LEFT_TO_CURL.has(lower) || name === CUT_NAME) continue;
    words.push("-H", headerWord(name, value));
  }
  // --data-raw sends the text as it is (no "@file" reading); -X above keeps the method curl would
  // otherwise turn into POST.
  if (data !== undefined) words.push("--data-raw", shellQuote(data));
  if (compressed) words.push("--compressed");
  return { command: words.join(" "), refused: null, hidden };
}
