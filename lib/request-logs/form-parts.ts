import busboy from "busboy";

/** One part of a multipart/form-data body as the request details show it. */
export interface FormPart {
  name: string;
  /** A file's name as the browser sent it; null for a plain field. */
  filename: string | null;
  /** The part's own Content-Type (a file's; fields are text/plain). */
  contentType: string;
  /** Bytes of the part the log kept. */
  size: number;
  /** Its text (a field, a text file), or null for binary content. */
  text: string | null;
  /** The log kept only the start of the body, and this part was cut there. */
  cut: boolean;
}

/** File types shown as text: what a person uploads as text (CSV, JSON, a log). */
const TEXT_FILE = /^(text\/|application\/(json|xml|x-ndjson|csv|yaml|x-yaml)$)/i;

/** Field text and text files beyond this are cut for display. */
const PART_TEXT_MAX = 16 * 1024;

/**
 * The parts of a kept multipart/form-data body (a form with a file upload), in order; null when it
 * is not one (no boundary) or nothing could be read. Parsed by busboy, the maintained parser behind
 * multer. A body the log cut ends with a file marked `cut` (a field cut midway is not shown).
 */
export function formParts(bytes: Buffer, contentType: string): Promise<FormPart[] | null> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { "content-type": contentType },
      // Browsers send non-ASCII file names in UTF-8.
      defParamCharset: "utf8",
      limits: { fieldSize: PART_TEXT_MAX },
    });
  } catch {
    return Promise.resolve(null);
  }
  const parts: FormPart[] = [];
  return new Promise((resolve) => {
    const done = () => resolve(parts.length > 0 ? parts : null);
    parser.on("field", (name, value, info) => {
      parts.push({
        name,
        filename: null,
        contentType: info.mimeType,
        size: Buffer.byteLength(value),
        text: value,
        cut: info.valueTruncated,
      });
    });
    parser.on("file", (name, stream, info) => {
      const part: FormPart = {
        name,
        filename: info.filename ?? "",
        contentType: info.mimeType,
        size: 0,
        text: null,
        cut: false,
      };
      parts.push(part);
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => {
        part.size += chunk.length;
        if (part.size - chunk.length < PART_TEXT_MAX) chunks.push(chunk);
      });
      stream.on("error", () => {
        part.cut = true;
      });
      stream.on("close", () => {
        if (!TEXT_FILE.test(part.contentType)) return;
        const text = Buffer.concat(chunks).subarray(0, PART_TEXT_MAX).toString("utf8");
        // Replacement characters mean it was not UTF-8 after all (or was cut inside one).
        part.text = text.includes("\ufffd") && !part.cut ? null : text;
      });
    });
    parser.on("close", done);
    parser.on("error", () => {
      // "Unexpected end of form": the log kept only the start. What was read stands (the file it
      // ended in is marked cut by its stream's error). The file streams' close handlers run first.
      setImmediate(done);
    });
    parser.end(bytes);
  });
}
