import { createHash } from "node:crypto";
import ssh2 from "ssh2";
import { AppError } from "../errors.ts";
import { looksLikePrivateKey, PRIVATE_KEY_MESSAGE } from "./key-file.ts";
import { readKeyText } from "./key-text.ts";

export interface ParsedPublicKey {
  /** OpenSSH key type, e.g. "ssh-ed25519". */
  algorithm: string;
  bits: number;
  /** "<type> <base64>", the comment removed. */
  publicKey: string;
  /** "SHA256:…", exactly as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** The key's comment (often user@host), a handy default label. */
  comment: string;
}

const ECDSA_BITS: Record<string, number> = {
  "ecdsa-sha2-nistp256": 256,
  "ecdsa-sha2-nistp384": 384,
  "ecdsa-sha2-nistp521": 521,
};
export const MIN_RSA_BITS = 2048;

/** SHA256 fingerprint of a public key blob (the base64 part of a .pub line, decoded). */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/**
 * Parses one public key: an OpenSSH line (also wrapped over several lines) or an RFC 4716 (SSH2)
 * file, whose Comment header becomes the comment. Throws AppError("invalid_input") with a message a person can
 * act on: private keys are refused loudly, weak and unsupported types are named.
 */
export function parsePublicKey(input: string): ParsedPublicKey {
  const text = input.trim();
  if (looksLikePrivateKey(text)) throw new AppError("invalid_input", PRIVATE_KEY_MESSAGE);
  if (!text)
    throw new AppError("invalid_input", "Paste a public key, e.g. the contents of ~/.ssh/id_ed25519.pub");
  const key = readKeyText(text);
  if (key.several) {
    throw new AppError(
      "invalid_input",
      "Paste one key at a time (a single line starting with ssh-ed25519, ecdsa-sha2-… or ssh-rsa)",
    );
  }
  const [type, base64] = key.line.split(/\s+/);
  if (key.options) {
    // Burrow cannot apply them (from=, command=, expiry-time=…): adding the key without them
    // would quietly let it do more than the line says.
    throw new AppError(
      "invalid_input",
      `This line starts with authorized_keys options (${key.options.slice(0, 60)}), which Burrow ` +
        `does not apply: remove everything before ${type} and add the key again`,
    );
  }
  if (key.ssh2 && !/^[a-z]/.test(key.line)) {
    throw new AppError(
      "invalid_input",
      "This SSH2 public key is damaged or incomplete: copy the whole file, from ---- BEGIN to ---- END",
    );
  }
  if (!type || !base64 || !/^[A-Za-z0-9+/]+=*$/.test(base64)) {
    throw new AppError(
      "invalid_input",
      "This does not look like an OpenSSH public key (expected e.g. “ssh-ed25519 AAAA… you@laptop”)",
    );
  }
  if (type === "ssh-dss")
    throw new AppError("invalid_input", "DSA keys are insecure and not accepted: use ssh-keygen -t ed25519");
  if (type.startsWith("sk-")) {
    // ssh2, the relay's SSH server, cannot check the signatures of FIDO (hardware) keys.
    throw new AppError(
      "invalid_input",
      "Security keys (YubiKey and other FIDO keys, sk-…) are not supported: make a key for Burrow with " +
        "ssh-keygen -t ed25519 -f ~/.ssh/id_burrow and add ~/.ssh/id_burrow.pub (connect with ssh -i ~/.ssh/id_burrow)",
    );
  }
  if (type.includes("-cert-v01@openssh.com")) {
    throw new AppError(
      "invalid_input",
      "This is an SSH certificate (…-cert.pub): paste the public key it was made for (the .pub file without -cert)",
    );
  }
  if (!(type === "ssh-ed25519" || type === "ssh-rsa" || type in ECDSA_BITS)) {
    throw new AppError(
      "invalid_input",
      `Key type ${type.slice(0, 40)} is not supported: use ed25519, ecdsa or rsa (at least ${MIN_RSA_BITS} bits)`,
    );
  }
  const parsed = ssh2.utils.parseKey(`${type} ${base64}`);
  if (parsed instanceof Error || Array.isArray(parsed) || parsed.isPrivateKey()) {
    throw new AppError(
      "invalid_input",
      key.ssh2
        ? "This SSH2 public key is damaged or incomplete: copy the whole file, from ---- BEGIN to ---- END"
        : "This public key is damaged or incomplete: copy the whole line of the .pub file",
    );
  }
  if (parsed.type !== type) {
    throw new AppError(
      "invalid_input",
      `The key data is ${parsed.type} but the line says ${type}: copy the whole line again`,
    );
  }
  const blob = parsed.getPublicSSH();
  const bits =
    type === "ssh-ed25519" ? 256 : type === "ssh-rsa" ? rsaModulusBits(blob) : (ECDSA_BITS[type] ?? 0);
  if (type === "ssh-rsa" && bits < MIN_RSA_BITS) {
    throw new AppError(
      "invalid_input",
      `This RSA key has ${bits} bits; at least ${MIN_RSA_BITS} are required (ssh-keygen -t ed25519 makes a better one)`,
    );
  }
  return {
    algorithm: type,
    bits,
    publicKey: `${type} ${blob.toString("base64")}`,
    fingerprint: fingerprintOf(blob),
    comment: key.comment,
  };
}

/** RSA public blob: string "ssh-rsa", mpint e, mpint n. */
function rsaModulusBits(blob: Buffer): number {
  let offset = 0;
  const next = (): Buffer => {
    const length = blob.readUInt32BE(offset);
    const value = blob.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return value;
  };
  next(); // type
  next(); // e
  const n = next();
  let start = 0;
  while (start < n.length && n[start] === 0) start++;
  if (start === n.length) return 0;
  return (n.length - start - 1) * 8 + (32 - Math.clz32(n[start]!));
}
