// Pure checks on the text of a key, shared by the keys form (at once, in the browser) and the
// server's parser (which has the last word).

import { readKeyText } from "./key-text.ts";

/** OpenSSH and PEM private keys ("-----BEGIN … PRIVATE KEY-----") and PuTTY's .ppk files. */
export function looksLikePrivateKey(text: string): boolean {
  return /PRIVATE KEY|^PuTTY-User-Key-File-/m.test(text);
}

export const PRIVATE_KEY_MESSAGE =
  "This is a PRIVATE key. Never paste a private key anywhere: it should not leave your computer. " +
  "Paste the public key instead (the .pub file, e.g. ~/.ssh/id_ed25519.pub), and if you shared this " +
  "private key anywhere, generate a new one.";

/** For a private key file picked instead of its .pub: the file is not read into the form. */
export function privateKeyFileMessage(fileName: string): string {
  const pub = fileName.endsWith(".pub") ? "the .pub file" : `${fileName}.pub`;
  return `${fileName} is a PRIVATE key: never share it or upload it anywhere. Pick the public key next to it instead (${pub}).`;
}

/**
 * The label a picked .pub file suggests: the key's comment (an SSH2 file's Comment header), which
 * is what the server would use for an empty label; the file's name (without .pub) when the key has
 * no comment.
 */
export function labelForKeyFile(text: string, fileName: string): string {
  return readKeyText(text).comment || fileName.replace(/\.pub$/, "");
}
