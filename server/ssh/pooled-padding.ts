import { createRequire } from "node:module";
import { RandomPool } from "./random-pool.ts";

/**
 * AES-GCM packets sent by ssh2 take their random padding from a RandomPool instead of one
 * `crypto.randomFillSync` call per packet.
 *
 * ssh2 1.17 pads every packet it sends with `randomFillSync(packet, offset, 4..19)`, about 7 µs a
 * call: a quarter of the relay's CPU while it forwards a large upload (one packet per 32 KiB) and
 * about 7 % of it under many small requests (several packets each), measured with --cpu-prof.
 * ssh2 has no option for it and binds `randomFillSync` when it loads, so the AES-GCM cipher
 * classes' `allocPacket` (not exported; reached through ssh2's own `createCipher`) is replaced by
 * the same layout with pooled padding. The layout is checked against ssh2's own for every padding
 * case before anything is replaced; if a future ssh2 builds packets differently, it is left alone
 * and only this speed-up is lost (server/ssh/pooled-padding.test.ts then fails).
 */

/** The AES-GCM ciphers the relay offers by default (lib/env.ts). */
const GCM_CIPHERS = ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com"] as const;
const GCM_BLOCK_BYTES = 16;
const GCM_TAG_BYTES = 16;
const MIN_PADDING_BYTES = 4;

/** What ssh2's CIPHER_INFO says about a cipher (the parts used here). */
export interface CipherInfo {
  keyLen: number;
  ivLen: number;
}

interface OutboundCipher {
  allocPacket(payloadLength: number): Buffer;
  free(): void;
}

interface SshCryptoModule {
  CIPHER_INFO: Record<string, CipherInfo | undefined>;
  createCipher(config: {
    outbound: {
      onWrite(packet: Buffer): void;
      cipherInfo: CipherInfo;
      cipherKey: Buffer;
      cipherIV: Buffer;
      seqno: number;
      forceNative: boolean;
    };
  }): OutboundCipher;
}

type AllocPacket = OutboundCipher["allocPacket"] & { pooled?: true };

const pool = new RandomPool();

/**
 * RFC 4253 §6 with RFC 5647 §7.1: the packet length field is not encrypted, so padding makes
 * padding-length byte + payload + padding a multiple of the AES block, with at least 4 bytes of it.
 */
function gcmPaddingLength(payloadLength: number): number {
  const padding = GCM_BLOCK_BYTES - ((1 + payloadLength) % GCM_BLOCK_BYTES);
  return padding < MIN_PADDING_BYTES ? padding + GCM_BLOCK_BYTES : padding;
}

/**
 * ssh2's allocPacket with pooled padding: uint32 packet length, padding length byte, payload
 * (written by ssh2 afterwards), padding, then `trailerBytes` left for the tag (ssh2's binding-based
 * cipher encrypts in place and appends its tag there; its node:crypto variant writes the tag apart).
 */
function pooledAllocPacket(trailerBytes: number): AllocPacket {
  const allocPacket: AllocPacket = (payloadLength) => {
    const padding = gcmPaddingLength(payloadLength);
    const packetLength = 1 + payloadLength + padding;
    const packet = Buffer.allocUnsafe(4 + packetLength + trailerBytes);
    packet.writeUInt32BE(packetLength, 0);
    packet[4] = padding;
    pool.fill(packet, 5 + payloadLength, padding);
    return packet;
  };
  allocPacket.pooled = true;
  return allocPacket;
}

/**
 * ssh2's allocPacket with pooled padding, or undefined unless its packets and ours agree on
 * everything but the padding bytes' values: for every residue modulo the block size (so every
 * padding length) and for a full 32 KiB data packet.
 */
function pooledEquivalent(original: AllocPacket, cipher: OutboundCipher): AllocPacket | undefined {
  const empty = original.call(cipher, 0);
  const trailerBytes = empty.length - (4 + 1 + gcmPaddingLength(0));
  if (trailerBytes !== 0 && trailerBytes !== GCM_TAG_BYTES) return undefined;
  const pooled = pooledAllocPacket(trailerBytes);
  const lengths = [...Array.from({ length: 2 * GCM_BLOCK_BYTES }, (_, i) => i), 32_768 + 9];
  const same = lengths.every((length) => {
    const theirs = original.call(cipher, length);
    const ours = pooled(length);
    return theirs.length === ours.length && theirs.subarray(0, 5).equals(ours.subarray(0, 5));
  });
  return same ? pooled : undefined;
}

let applied: boolean | undefined;

/** Padding bytes taken from the pool so far in this process. */
export function pooledPaddingBytes(): number {
  return pool.served;
}

/**
 * Switches ssh2's AES-GCM ciphers (both its native-binding and its node:crypto variant) to pooled
 * padding, once per process. Returns whether they use it.
 */
export function enablePooledPadding(): boolean {
  if (applied !== undefined) return applied;
  try {
    applied = replaceAllocPacket();
  } catch {
    // A speed-up must never stop the relay: ssh2's internals differ from 1.17's, leave them alone.
    applied = false;
  }
  return applied;
}

/** Replaces every AES-GCM cipher class's allocPacket, or none unless all match ssh2 1.17's layout. */
function replaceAllocPacket(): boolean {
  const sshCrypto = createRequire(import.meta.url)("ssh2/lib/protocol/crypto.js") as SshCryptoModule;
  const replacements = new Map<{ allocPacket: AllocPacket }, AllocPacket>();
  for (const name of GCM_CIPHERS) {
    const info = sshCrypto.CIPHER_INFO[name];
    if (!info) return false;
    for (const forceNative of [false, true]) {
      const cipher = sshCrypto.createCipher({
        outbound: {
          onWrite: () => {},
          cipherInfo: info,
          cipherKey: Buffer.alloc(info.keyLen),
          cipherIV: Buffer.alloc(info.ivLen),
          seqno: 0,
          forceNative,
        },
      });
      const prototype = Object.getPrototypeOf(cipher) as { allocPacket: AllocPacket };
      const pooled = prototype.allocPacket.pooled
        ? prototype.allocPacket
        : pooledEquivalent(prototype.allocPacket, cipher);
      cipher.free();
      if (!pooled) return false;
      replacements.set(prototype, pooled);
    }
  }
  for (const [prototype, pooled] of replacements) prototype.allocPacket = pooled;
  return true;
}
