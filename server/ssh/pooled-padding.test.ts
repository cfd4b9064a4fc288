/**
 * Pooled SSH packet padding (pooled-padding.ts): ssh2's AES-GCM packets keep their exact layout and
 * still decrypt, their padding is fresh per packet, and the relay's real traffic to an OpenSSH
 * client takes its padding from the pool.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";
import { type CipherInfo, enablePooledPadding, pooledPaddingBytes } from "./pooled-padding.ts";

interface SshCrypto {
  CIPHER_INFO: Record<string, CipherInfo>;
  createCipher(config: unknown): { allocPacket(length: number): Buffer; encrypt(packet: Buffer): void };
  createDecipher(config: unknown): { decrypt(data: Buffer, start: number, end: number): unknown };
}
const sshCrypto = createRequire(import.meta.url)("ssh2/lib/protocol/crypto.js") as SshCrypto;

/** Encrypts `payload` as one packet with ssh2's cipher and decrypts it with ssh2's decipher. */
function roundTrip(cipherName: string, forceNative: boolean, payload: Buffer) {
  const info = sshCrypto.CIPHER_INFO[cipherName];
  assert.ok(info);
  const key = Buffer.alloc(info.keyLen, 7);
  const iv = Buffer.alloc(info.ivLen, 9);
  const wire: Buffer[] = [];
  const cipher = sshCrypto.createCipher({
    outbound: {
      onWrite: (chunk: Buffer) => wire.push(Buffer.from(chunk)),
      cipherInfo: info,
      cipherKey: key,
      // Copies: ssh2's node:crypto variant advances its IV in place after each packet.
      cipherIV: Buffer.from(iv),
      seqno: 0,
      forceNative,
    },
  });
  const packet = cipher.allocPacket(payload.length);
  const padding = packet[4] ?? 0;
  const plainPadding = Buffer.from(packet.subarray(5 + payload.length, 5 + payload.length + padding));
  payload.copy(packet, 5);
  cipher.encrypt(packet);
  let received: Buffer | undefined;
  const decipher = sshCrypto.createDecipher({
    inbound: {
      onPayload: (data: Buffer) => {
        received = Buffer.from(data);
      },
      decipherInfo: info,
      decipherKey: key,
      decipherIV: Buffer.from(iv),
      seqno: 0,
      forceNative,
    },
  });
  const bytes = Buffer.concat(wire);
  decipher.decrypt(bytes, 0, bytes.length);
  return { packetLength: packet.readUInt32BE(0), padding, plainPadding, received };
}

let t: TestRelay;
before(async () => {
  t = await startTestRelay();
});
after(() => t.close());

// First, before anything else in this file switches the padding: the relay must do it itself.
test("a tunnel's traffic to the OpenSSH client is padded from the pool", async () => {
  const user = await t.createUserWithKey();
  await t.reserve(user, "padded");
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`padded:80:127.0.0.1:${app.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());
  const before = pooledPaddingBytes();
  // 1 MiB to the app crosses the SSH connection as 32 or more packets the relay pads.
  const body = Buffer.alloc(1024 * 1024, "b");
  const res = await t.fetchTunnel("padded", "/upload", { method: "POST", body });
  assert.equal(res.status, 200, res.body);
  assert.equal(res.json?.bodyLength, body.length);
  assert.ok(
    pooledPaddingBytes() - before >= 32 * 4,
    `padding from the pool: ${pooledPaddingBytes() - before} bytes`,
  );
  ssh.kill();
});

test("ssh2's AES-GCM packets keep RFC 4253's layout with pooled padding, and still decrypt", () => {
  assert.equal(enablePooledPadding(), true, "ssh2's AES-GCM packet layout is no longer the one expected");
  for (const cipherName of ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com"]) {
    for (const forceNative of [false, true]) {
      const paddings = new Set<string>();
      for (const length of [0, 1, 2, 3, 11, 12, 13, 14, 15, 16, 27, 28, 100, 32_768]) {
        const payload = Buffer.alloc(length, length % 251);
        const { packetLength, padding, plainPadding, received } = roundTrip(cipherName, forceNative, payload);
        const where = `${cipherName}${forceNative ? " (node:crypto)" : ""}, payload ${length}`;
        assert.ok(padding >= 4 && padding < 20, `${where}: padding ${padding}`);
        assert.equal(packetLength, 1 + length + padding, where);
        assert.equal((1 + length + padding) % 16, 0, `${where}: not a whole number of AES blocks`);
        assert.deepEqual(received, payload, `${where}: payload did not survive encryption`);
        paddings.add(plainPadding.toString("hex"));
      }
      assert.equal(paddings.size, 14, "every packet gets fresh padding bytes");
    }
  }
});
