// Turns the forms a public key is pasted or picked in into the one line of a .pub file. Pure (no
// Node APIs): the keys form runs it in the browser for the label, the server's parser for the key.

/** RFC 4716, what `ssh-keygen -e` and PuTTYgen's "Save public key" write. */
const SSH2_BEGIN = /^-{4} BEGIN SSH2 PUBLIC KEY -{4}$/;
const SSH2_END = /^-{4} END SSH2 PUBLIC KEY -{4}$/;
/**
 * A key's type and blob. The blob always starts with AAAA: it opens with the type's length as a
 * 32-bit number below 2^24. That is what tells a key from authorized_keys options before it.
 */
const KEY_START = /(?:^|\s)([a-z][a-z0-9.-]*(?:@[a-z0-9.-]+)?)\s+(AAAA[A-Za-z0-9+/]*=*)(?=\s|$)/;

/**
 * A line that starts where the last one broke off, inside the base64 or inside the comment: its first
 * word is all base64 characters (a comment's start such as user@host has others, and a line that
 * starts with the space itself says where the comment begins).
 */
const CONTINUES_BASE64 = /^[A-Za-z0-9+/=]+(?:\s|$)/;

export interface KeyText {
  /** "<type> <base64> <comment>" as in a .pub file; the text as given when it is no known form. */
  line: string;
  /** The key's comment (often user@host), or an SSH2 file's Comment header; "" when none. */
  comment: string;
  /** authorized_keys options before the type (no-pty,command="…"); "" when none. */
  options: string;
  /** More than one key line was given. */
  several: boolean;
  /** It came as an RFC 4716 (SSH2) file. */
  ssh2: boolean;
}

/** Reads a pasted or picked public key: one line, a line wrapped over several, or an SSH2 file. */
export function readKeyText(input: string): KeyText {
  const text = input.trim();
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  if (SSH2_BEGIN.test(lines[0] ?? "")) return readSsh2Key(lines);
  const base = { comment: "", options: "", several: false, ssh2: false };
  if (lines.filter((line) => KEY_START.test(line)).length > 1) return { ...base, line: text, several: true };
  // Wrapped by a narrow terminal or an email: a break inside the base64 (or the comment) loses
  // nothing, so such lines are joined as they are; a word wrap drops the space before the comment,
  // so a line that does not start as base64 (user@host) is joined with one. "#" lines are
  // authorized_keys comments, as sshd reads them.
  const joined = text
    .split(/\r?\n/)
    .filter((line) => !line.trimStart().startsWith("#"))
    .reduce(
      (sofar, line, i) => (i === 0 || CONTINUES_BASE64.test(line) ? sofar + line : `${sofar} ${line.trim()}`),
      "",
    );
  const match = KEY_START.exec(joined);
  if (!match) return { ...base, line: joined, comment: joined.split(/\s+/).slice(2).join(" ") };
  const line = joined.slice(match.index).trim();
  return {
    ...base,
    line,
    comment: line.split(/\s+/).slice(2).join(" "),
    options: joined.slice(0, match.index).trim(),
  };
}

/**
 * Headers ("Tag: value", continued on the next line after a trailing backslash), then the base64
 * blob over several lines. The type is not written out: it is the blob's first string, as
 * `ssh-keygen -i` reads it.
 */
function readSsh2Key(lines: string[]): KeyText {
  const end = lines.findIndex((line) => SSH2_END.test(line));
  const body = lines.slice(1, end < 0 ? undefined : end);
  let comment = "";
  let index = 0;
  // Base64 has no colon, so a line with one is a header.
  while (index < body.length && body[index]?.includes(":")) {
    let header = body[index++] ?? "";
    while (header.endsWith("\\") && index < body.length) header = header.slice(0, -1) + body[index++];
    const [, tag = "", value = ""] = /^([^:]*):\s*(.*)$/.exec(header) ?? [];
    if (tag.trim().toLowerCase() === "comment") comment = value.replace(/^"(.*)"$/, "$1").trim();
  }
  const base64 = body.slice(index).join("").replace(/\s+/g, "");
  const type = blobType(base64);
  return {
    line: type ? `${type} ${base64}` : base64,
    comment,
    options: "",
    several: false,
    ssh2: true,
  };
}

/** The first string of a key blob, its type (e.g. ssh-ed25519); "" when the base64 is damaged. */
function blobType(base64: string): string {
  let bytes: string;
  try {
    bytes = atob(base64);
  } catch {
    return "";
  }
  const length =
    ((bytes.charCodeAt(0) << 24) | (bytes.charCodeAt(1) << 16) | (bytes.charCodeAt(2) << 8)) +
    bytes.charCodeAt(3);
  const type = bytes.slice(4, 4 + length);
  return bytes.length >= 4 && length > 0 && length <= 64 && /^[a-z][a-z0-9.@-]*$/.test(type) ? type : "";
}
