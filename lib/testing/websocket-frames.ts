// WebSocket frames as peers write them, for tests of the request log's WebSocket readers.
import { constants, createDeflateRaw } from "node:zlib";

/** One frame as a peer writes it (RFC 6455 §5.2); browsers mask theirs. */
export function frame(
  opcode: number,
  payload: Buffer | string,
  { fin = true, mask = false, rsv1 = false }: { fin?: boolean; mask?: boolean; rsv1?: boolean } = {},
): Buffer {
  const data = Buffer.from(payload);
  const length =
    data.length < 126
      ? Buffer.from([data.length])
      : data.length < 65536
        ? Buffer.from([126, data.length >> 8, data.length & 0xff])
        : Buffer.concat([
            Buffer.from([127]),
            Buffer.from(new BigUint64Array([BigInt(data.length)]).buffer).reverse(),
          ]);
  length[0]! |= mask ? 0x80 : 0;
  const first = Buffer.from([(fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode]);
  if (!mask) return Buffer.concat([first, length, data]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const masked = Buffer.from(data.map((byte, i) => byte ^ key[i % 4]!));
  return Buffer.concat([first, length, key, masked]);
}

export function close(code: number, reason: string, mask = false): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return frame(8, payload, { mask });
}

/** Messages compressed as one permessage-deflate context (RFC 7692), the tail each ends in removed. */
export async function compressedWithContext(messages: string[]): Promise<Buffer[]> {
  const deflate = createDeflateRaw();
  const out: Buffer[] = [];
  for (const message of messages) {
    const chunks: Buffer[] = [];
    const collect = (chunk: Buffer) => chunks.push(chunk);
    deflate.on("data", collect);
    deflate.write(message);
    await new Promise<void>((resolve) => deflate.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    deflate.off("data", collect);
    out.push(Buffer.concat(chunks).subarray(0, -4));
  }
  deflate.close();
  return out;
}
