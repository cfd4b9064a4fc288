// Pure: what "Path contains" looks for. The log stores the request target as the visitor's client
// sent it, so text a browser percent-encodes (`<`, spaces, "é") is stored encoded, and a search for
// it as a person reads it would find nothing.
import { caseFoldPattern, hexEitherCase, needsUnicodeFold, regexLiteral } from "./case-fold.ts";
import { LOG_PATH_MAX } from "./row.ts";

/**
 * ASCII a browser always percent-encodes in a URL's path and query (the URL standard's special-query
 * set); controls, DEL and non-ASCII are encoded too. `%` itself is left as typed, so a search
 * already written encoded ("%3Cscript") still means what it says.
 */
const ENCODED_ASCII: ReadonlySet<string> = new Set([" ", '"', "#", "'", "<", ">"]);

/** A lone surrogate (no character of its own): stored paths hold U+FFFD in its place (row.ts). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function isEncoded(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 || code >= 0x7f || ENCODED_ASCII.has(char);
}

/** The text as a browser sends it: those characters as percent-encoded UTF-8, upper-case hex. */
function percentEncoded(text: string): string {
  let out = "";
  for (const char of text) {
    if (!isEncoded(char)) {
      out += char;
      continue;
    }
    for (const byte of new TextEncoder().encode(char)) {
      out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }
  }
  return out;
}

/**
 * The forms of a path search to look for, each a substring of a stored path: the text as typed,
 * and as a browser would have sent it (percent-encoded; with "+" for spaces too, as an HTML form
 * writes a query). At most three, each once; forms longer than a stored path can be are left out.
 */
export function pathSearchForms(text: string): string[] {
  const clean = text.replace(LONE_SURROGATE, "\ufffd");
  const forms = [text, percentEncoded(clean)];
  if (clean.includes(" ")) forms.push(percentEncoded(clean.replaceAll(" ", "+")));
  return [...new Set(forms)].filter((form, i) => i === 0 || form.length <= LOG_PATH_MAX);
}

/**
 * For text with a character beyond ASCII: one regular expression (for `~`) in place of the forms,
 * matching each character in any of its cases (case-fold.ts), as typed or, where a browser encodes
 * it, percent-encoded (hex in either case; a space also as "+"). Null for ASCII text, whose forms
 * ILIKE folds.
 */
export function pathSearchPattern(text: string): string | null {
  if (!needsUnicodeFold(text)) return null;
  return caseFoldPattern(text.replace(LONE_SURROGATE, "\ufffd"), (char) => {
    if (!isEncoded(char)) return [regexLiteral(char)];
    let encoded = "";
    for (const byte of new TextEncoder().encode(char)) encoded += `%${hexEitherCase(byte)}`;
    return char === " " ? [" ", "\\+", encoded] : [regexLiteral(char), encoded];
  });
}
