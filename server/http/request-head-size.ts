/**
 * The one rule for how large a visitor's request head may be, over HTTP/1.1 and HTTP/2 alike.
 *
 * HTTP/1.1: Node's parser (`maxHeaderSize`) adds up the bytes of the request target and of each
 * header's name and value, not the method, the version, the colons, the whitespace before a value
 * or the CRLFs (its trailing whitespace does count, which browsers never send), and refuses a head
 * once the sum reaches the limit (HPE_HEADER_OVERFLOW, the edge's 431). Measured on Node 20: a
 * sum of 16,383 passes `maxHeaderSize: 16384`, 16,384 is refused.
 *
 * HTTP/2 has no such text: its own limit counts each field 32 bytes larger than its name and
 * value (RFC 9113 §6.5.2), and a browser sends its cookies as a field each, where HTTP/1.1 has one
 * Cookie line. Measured on the head the same request would have had over HTTP/1.1 (the edge's
 * HTTP/1.1 shape of it, http2-visitors.ts: Host from `:authority`, cookies joined with "; ", no
 * pseudo-headers, the target from `:path`), the same headers pass or fail the same way on both.
 *
 * Header names and values arrive from both parsers as one-byte (latin1) strings, so a string's
 * length is its byte count.
 */

/** What a request head weighs by HTTP/1.1's count. */
export interface RequestHeadSize {
  /**
   * Target, names and values, as Node's HTTP/1.1 parser counts them for `maxHeaderSize`; left out
   * for a head that parser let through, which it weighed by this rule already (counting trailing
   * whitespace too, so stricter).
   */
  bytes?: number;
  /** Header fields (lines), the Host and a single Cookie line included. */
  fields: number;
}

/**
 * Weighs a request head given in HTTP/1.1 shape: `target` as on the request line (an HTTP/2
 * request's `:path`) and the raw header list (for HTTP/2, after http1RawHeaders).
 */
export function requestHeadSize(target: string, rawHeaders: readonly string[]): RequestHeadSize {
  let bytes = target.length;
  for (const part of rawHeaders) bytes += part.length;
  return { bytes, fields: rawHeaders.length / 2 };
}

/** The edge's bounds on a request head (its 431 past either). */
export interface RequestHeadLimits {
  /** Node's `maxHeaderSize`: a head whose bytes reach this is refused. */
  maxBytes: number;
  /** The most header fields a head may have. */
  maxFields: number;
}

/** Whether a head is past the limits, by the same rule whichever protocol it came over. */
export function isRequestHeadTooLarge(size: RequestHeadSize, limits: RequestHeadLimits): boolean {
  return (size.bytes !== undefined && size.bytes >= limits.maxBytes) || size.fields > limits.maxFields;
}
