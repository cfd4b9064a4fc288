/**
 * Test helpers for the hardening tests: an ssh2 Client that signs in with a harness user's key and
 * serves `-R name:80` forwards like OpenSSH does (each forwarded channel piped to a local port).
 * Lighter than an OpenSSH process, so a test can hold hundreds, and able to send what OpenSSH never
 * would (requests before auth, odd channel types, floods). Not for production use.
 */
import { readFile } from "node:fs/promises";
import net from "node:net";
import ssh2 from "ssh2";

export interface Ssh2Tunnel {
  client: ssh2.Client;
  /** Asks for `-R name:80`; resolves true when the relay accepts, false when it refuses. */
  forward(name: string): Promise<boolean>;
  /** Resolves when the connection is gone (closed by either side). */
  closed: Promise<void>;
  isClosed(): boolean;
  /** The relay's DISCONNECT message with its description, once received (ssh2 emits no event for it). */
  disconnect(): string | undefined;
  end(): void;
}

export interface ConnectOptions {
  sshPort: number;
  keyPath: string;
  /** Local port the forwarded channels are piped to. */
  localPort?: number;
  /** Runs after the key exchange, before authentication (the client is connected but anonymous). */
  beforeAuth?: (client: ssh2.Client) => Promise<void>;
  timeoutMs?: number;
}

/** Connects and authenticates with the key; rejects if the relay refuses or nothing happens in time. */
export async function connectSsh2(options: ConnectOptions): Promise<Ssh2Tunnel> {
  const privateKey = await readFile(options.keyPath);
  const client = new ssh2.Client();
  let isClosed = false;
  const closed = new Promise<void>((resolve) =>
    client.once("close", () => {
      isClosed = true;
      resolve();
    }),
  );
  client.on("tcp connection", (_info, accept) => {
    const channel = accept();
    if (options.localPort === undefined) {
      channel.close();
      return;
    }
    const socket = net.connect(options.localPort, "127.0.0.1");
    socket.on("error", () => channel.close());
    channel.on("error", () => socket.destroy());
    channel.pipe(socket).pipe(channel);
  });
  let disconnect: string | undefined;
  let beforeAuthDone = false;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.end();
      reject(new Error("ssh2 client: no ready in time"));
    }, options.timeoutMs ?? 10_000);
    client.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
    client.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    client.once("close", () => {
      clearTimeout(timer);
      reject(new Error("ssh2 client: closed before signing in"));
    });
    client.connect({
      host: "127.0.0.1",
      port: options.sshPort,
      username: "burrow",
      readyTimeout: options.timeoutMs ?? 10_000,
      keepaliveInterval: 0,
      debug: (line) => {
        if (line.includes("Received DISCONNECT")) disconnect = line;
      },
      authHandler: (_methodsLeft, _partial, next) => {
        if (beforeAuthDone || !options.beforeAuth) {
          beforeAuthDone = true;
          next({ type: "publickey", username: "burrow", key: privateKey });
          return;
        }
        beforeAuthDone = true;
        options.beforeAuth(client).then(
          () => next({ type: "publickey", username: "burrow", key: privateKey }),
          (error: unknown) => {
            clearTimeout(timer);
            client.end();
            reject(error);
          },
        );
      },
    });
  });
  client.on("error", () => {});
  return {
    client,
    closed,
    disconnect: () => disconnect,
    isClosed: () => isClosed,
    end: () => client.end(),
    forward: (name) =>
      new Promise<boolean>((resolve) => {
        if (isClosed) {
          resolve(false);
          return;
        }
        closed.then(() => resolve(false));
        try {
          client.forwardIn(name, 80, (error) => resolve(!error));
        } catch {
          resolve(false);
        }
      }),
  };
}

interface ClientInternals {
  _callbacks: ((failed: boolean) => void)[];
  _chanMgr: { add(callback: ChannelOpenCallback): number; remove(id: number): void };
  _protocol: {
    _packetRW: { write: { allocStart: number; alloc(length: number): Buffer; finalize(p: Buffer): Buffer } };
    _cipher: { encrypt(packet: Buffer): void };
  };
}
type ChannelOpenCallback = ((error: Error | undefined, channel?: ssh2.Channel) => void) & { type?: string };

function sshString(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function uint32(n: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n);
  return out;
}

/** Type-specific CHANNEL_OPEN fields OpenSSH would send, so only the type itself is unexpected. */
const CHANNEL_EXTRAS: Record<string, Buffer> = {
  "direct-tcpip": Buffer.concat([sshString("10.0.0.1"), uint32(22), sshString("127.0.0.1"), uint32(5555)]),
  "forwarded-tcpip": Buffer.concat([sshString("myapp"), uint32(80), sshString("127.0.0.1"), uint32(5555)]),
  "direct-streamlocal@openssh.com": Buffer.concat([sshString("/tmp/x.sock"), sshString(""), uint32(0)]),
  x11: Buffer.concat([sshString("127.0.0.1"), uint32(6010)]),
};

/**
 * Opens a channel of any type, as a hostile client could (ssh2's Client only opens the types a
 * client normally asks for). Resolves "opened" (and closes it) or "refused". Uses ssh2 internals,
 * like server/ssh/protocol-messages.ts; test-only.
 */
export function openChannelOfType(client: ssh2.Client, type: string): Promise<"opened" | "refused"> {
  const internals = client as unknown as ClientInternals;
  return new Promise((resolve) => {
    const callback: ChannelOpenCallback = (error, channel) => {
      if (error) {
        resolve("refused");
        return;
      }
      channel?.close();
      resolve("opened");
    };
    // "session" makes ssh2 build a plain Channel if the server were to confirm.
    callback.type = "session";
    const localId = internals._chanMgr.add(callback);
    const payload = Buffer.concat([
      Buffer.from([90]), // SSH_MSG_CHANNEL_OPEN
      sshString(type),
      uint32(localId),
      uint32(2 * 1024 * 1024),
      uint32(32 * 1024),
      CHANNEL_EXTRAS[type] ?? Buffer.alloc(0),
    ]);
    sendRawPacket(internals, payload);
  });
}

/** Sends a global request of any name with want-reply; resolves with the relay's answer. */
export function sendGlobalRequest(client: ssh2.Client, name: string): Promise<"success" | "failure"> {
  const internals = client as unknown as ClientInternals;
  return new Promise((resolve) => {
    internals._callbacks.push((failed) => resolve(failed ? "failure" : "success"));
    sendRawPacket(internals, Buffer.concat([Buffer.from([80]), sshString(name), Buffer.from([1])]));
  });
}

function sendRawPacket(internals: ClientInternals, payload: Buffer): void {
  const writer = internals._protocol._packetRW.write;
  const start = writer.allocStart;
  const packet = writer.alloc(payload.length);
  payload.copy(packet, start);
  internals._protocol._cipher.encrypt(writer.finalize(packet));
}
