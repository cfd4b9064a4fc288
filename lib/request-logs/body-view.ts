import { decoderOf } from "./decompress.ts";
import { type FormPart, formParts } from "./form-parts.ts";
import { type HeaderPair, storedHeader } from "./headers.ts";
import type { RequestBodies } from "./query.ts";
import { isWebSocket, viewWebSocket, type WebSocketView } from "./websocket-view.ts";

/**
 * A kept body made readable for the request details: decompressed when the app compressed it,
 * shown as text when it is text (JSON indented), described when it is not. Runs on the dashboard's
 * server for one row at a time.
 */
export interface BodyView {
  /** Bytes the body had on the wire (the log row's count), kept or not. */
  size: number;
  /** Bytes the log kept of it (the first ones). */
  kept: number;
  /** The log kept less than the whole body. */
  truncated: boolean;
  /** The Content-Type it was sent with, if any. */
  contentType: string | null;
  /** The Content-Encoding it was sent with ("gzip", "br"…), if any. */
  encoding: string | null;
  /** Why a compressed body could not be decoded (unknown encoding, corrupt, over 1 MiB): not shown. */
  undecoded: string | null;
  /** The body as text (decompressed), or null for binary content. */
  text: string | null;
  /** The same JSON indented for reading, when it is JSON and differs from the text. */
  formatted: string | null;
  /** A form post's fields, decoded, in order (application/x-www-form-urlencoded kept whole). */
  fields: [name: string, value: string][] | null;
  /** A multipart/form-data body's parts (a form with file uploads), in order; see viewKeptBodies. */
  parts: FormPart[] | null;
  /**
   * A picture to preview, as a data: URL: a PNG, JPEG, GIF or WebP kept whole whose bytes are what
   * its type says (never SVG, which can carry script). Null otherwise.
   */
  image: string | null;
}

/** A zip bomb's output is cut here: the details show text, not megabytes of it. */
const DECODED_MAX = 1024 * 1024;

const TEXT_TYPES =
  /^(text\/|application\/(json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|x-ndjson|ld\+json)|[a-z]+\/[^;]*\+(json|xml))/;

/** Decompresses the kept bytes (as far as they go: often only the start of the stream). */
function decode(bytes: Buffer, encoding: string): { bytes: Buffer } | { problem: string } {
  const decoder = decoderOf(encoding);
  if (!decoder) return { problem: `Compressed as ${encoding}, which the dashboard cannot decode.` };
  try {
    return { bytes: decoder.sync(bytes, DECODED_MAX) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") return { problem: "Decompressed, it is larger than 1 MiB." };
    return { problem: `Its ${encoding} data could not be decoded.` };
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const BINARY_CONTROL = /[\u0000-\u0008\u000e-\u001f]/;

/**
 * The decoder for a Content-Type's declared charset ("text/plain; charset=iso-8859-1"): any the
 * Encoding Standard knows (iso-8859-1 and windows-1252 are one, as browsers read them; shift_jis,
 * gbk…). UTF-8 when none is declared or the name is unknown.
 */
function decoderFor(contentType: string | null): TextDecoder {
  const declared = contentType?.match(/;\s*charset\s*=\s*"?([^";\s]+)"?/i)?.[1];
  if (declared) {
    try {
      return new TextDecoder(declared, { fatal: true });
    } catch {
      // Not a charset the Encoding Standard names: read as UTF-8, as if none was declared.
    }
  }
  return new TextDecoder("utf-8", { fatal: true });
}

/**
 * windows-1252's characters for bytes 0x80-0x9f (undefined ones stay as they are), as browsers
 * read iso-8859-1 and windows-1252 alike: Node 20's decoder gives C1 controls there instead.
 */
const WINDOWS_1252_HIGH =
  "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

/**
 * Text in the body's charset (UTF-8 unless its type declares another), or null when the bytes are
 * not text. A body cut by the log may end inside a character: up to three trailing bytes are
 * dropped before deciding.
 */
function asText(bytes: Buffer, cut: boolean, contentType: string | null): string | null {
  const decoder = decoderFor(contentType);
  for (let drop = 0; drop <= (cut ? 3 : 0) && drop <= bytes.length; drop++) {
    try {
      let text = decoder.decode(bytes.subarray(0, bytes.length - drop));
      if (decoder.encoding === "windows-1252") {
        text = text.replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80] ?? c);
      }
      // Control characters other than whitespace mean binary data that happens to be valid UTF-8.
      return BINARY_CONTROL.test(text) ? null : text;
    } catch {
      // Try again without the last byte.
    }
  }
  return null;
}

/** The pictures the details preview, by the bytes each format starts with. */
const IMAGE_SIGNATURES: Record<string, (bytes: Buffer) => boolean> = {
  "image/png": (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/gif": (b) => /^GIF8[79]a$/.test(b.subarray(0, 6).toString("latin1")),
  "image/webp": (b) =>
    b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP",
};

/** At most this many bytes are previewed (a data: URL a third larger goes to the browser). */
export const IMAGE_PREVIEW_MAX = 64 * 1024;

/**
 * A data: URL of a picture kept whole, or null. Only raster formats, checked against their own
 * first bytes: SVG can carry script, and a body that says image/png but is not one stays a
 * download. (An <img> runs no script in any case; this keeps what is shown what its type says.)
 */
function imagePreview(bytes: Buffer, contentType: string | null, whole: boolean): string | null {
  const type = contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
  const matches = Object.hasOwn(IMAGE_SIGNATURES, type) ? IMAGE_SIGNATURES[type] : undefined;
  if (!whole || !matches || bytes.length === 0 || bytes.length > IMAGE_PREVIEW_MAX || !matches(bytes)) {
    return null;
  }
  return `data:${type};base64,${bytes.toString("base64")}`;
}

/** Re-indents JSON for reading; null when it does not parse. */
function formatJson(text: string): string | null {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}

/**
 * The view of one kept body. `size` is the row's byte count for that direction; `headers` the
 * headers it travelled with (for its type and encoding).
 */
export function viewBody(kept: Buffer, size: number, headers: readonly HeaderPair[] | null): BodyView {
  const contentType = storedHeader(headers, "content-type");
  const encodingHeader = storedHeader(headers, "content-encoding")?.trim().toLowerCase() ?? null;
  const encoding = encodingHeader === "identity" || encodingHeader === "" ? null : encodingHeader;
  const truncated = kept.length < size;
  let bytes = kept;
  let undecoded: string | null = null;
  if (encoding !== null && kept.length > 0) {
    const decoded = decode(kept, encoding);
    if ("bytes" in decoded) bytes = decoded.bytes;
    else undecoded = decoded.problem;
  }
  const looksTextual = contentType === null || TEXT_TYPES.test(contentType.toLowerCase());
  const readable = undecoded === null && looksTextual;
  const text = readable ? asText(bytes, truncated || encoding !== null, contentType) : null;
  const isJson = contentType !== null && /json/i.test(contentType);
  const pretty = text !== null && isJson && !truncated ? formatJson(text) : null;
  const isForm = contentType !== null && /^application\/x-www-form-urlencoded/i.test(contentType);
  const fields = text !== null && isForm && !truncated ? [...new URLSearchParams(text)] : null;
  return {
    size,
    kept: kept.length,
    truncated,
    contentType,
    encoding,
    undecoded,
    text,
    formatted: pretty !== null && pretty !== text ? pretty : null,
    fields,
    parts: null,
    image: undecoded === null && text === null ? imagePreview(bytes, contentType, !truncated) : null,
  };
}

/** The view with a multipart/form-data body's parts read (as far as the log kept it). */
async function withParts(view: BodyView, kept: Buffer): Promise<BodyView> {
  const type = view.contentType;
  if (type === null || !/^multipart\/form-data/i.test(type) || view.encoding !== null) return view;
  return { ...view, parts: await formParts(kept, type) };
}

/**
 * A request's kept bodies as its details show them: each side's body, or for a WebSocket connection
 * the messages each side sent (then both bodies are null); null for what was not kept.
 */
export interface RequestBodiesView {
  request: BodyView | null;
  response: BodyView | null;
  websocket: WebSocketView | null;
}

export async function viewKeptBodies(kept: RequestBodies): Promise<RequestBodiesView> {
  if (kept.upgrade && isWebSocket(kept.status, kept.requestHeaders)) {
    return {
      request: null,
      response: null,
      websocket: viewWebSocket(
        { request: kept.requestBody, response: kept.responseBody },
        kept,
        kept.responseHeaders,
        kept.frameTimes,
      ),
    };
  }
  const request = kept.requestBody && viewBody(kept.requestBody, kept.bytesIn, kept.requestHeaders);
  return {
    // A form with file uploads is what visitors send; apps answer in other types.
    request: request && kept.requestBody ? await withParts(request, kept.requestBody) : request,
    response: kept.responseBody && viewBody(kept.responseBody, kept.bytesOut, kept.responseHeaders),
    websocket: null,
  };
}

/** The bytes to download: decompressed when the dashboard can, as sent otherwise. */
export function bodyDownload(kept: Buffer, headers: readonly HeaderPair[] | null): Buffer {
  const encoding = storedHeader(headers, "content-encoding")?.trim().toLowerCase();
  if (!encoding || encoding === "identity" || kept.length === 0) return kept;
  const decoded = decode(kept, encoding);
  return "bytes" in decoded ? decoded.bytes : kept;
}

/** File name extensions for the common types, so a downloaded body opens with the right program. */
const EXTENSIONS: Record<string, string> = {
  "application/json": "json",
  "application/pdf": "pdf",
  "application/xml": "xml",
  "application/zip": "zip",
  "application/javascript": "js",
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/webp": "webp",
  "image/svg+xml": "svg",
  "text/html": "html",
  "text/plain": "txt",
  "text/css": "css",
  "text/csv": "csv",
  "text/javascript": "js",
  "text/xml": "xml",
};

/**
 * "myapp-1234-response.json": names the tunnel, the request and the side. Made only of the name
 * (DNS letters, digits and hyphens), the numeric id and a fixed extension, so it needs no quoting
 * in Content-Disposition.
 */
export function downloadName(
  name: string,
  id: string,
  part: "request" | "response",
  headers: readonly HeaderPair[] | null,
): string {
  const type = storedHeader(headers, "content-type")?.split(";")[0]?.trim().toLowerCase() ?? "";
  return `${name}-${id}-${part}.${EXTENSIONS[type] ?? "bin"}`;
}
