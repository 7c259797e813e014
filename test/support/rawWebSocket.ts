/**
 * A room connection made by hand over a plain TCP socket, for WebSocket protocol faults
 * no WebSocket library will send: the seat is reserved through the real matchmaking
 * route, the upgrade is written byte for byte, and frames are built here (masked, as a
 * client's must be, unless a test wants them not to be). Reads the server's frames far
 * enough to know the close code it sent.
 */
import net from "node:net";
import { randomBytes } from "node:crypto";
import { waitFor } from "./wait.ts";

export interface RawFrame {
  fin?: boolean;
  rsv1?: boolean;
  opcode: number;
  payload?: Buffer;
  masked?: boolean;
}

/** Encodes one client → server frame. */
export function frame({ fin = true, rsv1 = false, opcode, payload = Buffer.alloc(0), masked = true }: RawFrame): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0, len]) : len < 65536 ? Buffer.from([0, 126, len >> 8, len & 0xff]) : Buffer.alloc(10);
  if (len >= 65536) {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  head[0] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  if (!masked) return Buffer.concat([head, payload]);
  head[1] |= 0x80;
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i % 4]!;
  return Buffer.concat([head, mask, body]);
}

export class RawRoomSocket {
  /** The close code the server sent (undefined until it did). */
  closeCode: number | undefined;
  readonly closed: Promise<number | undefined>;
  private buffered = Buffer.alloc(0);
  private upgraded = false;

  private constructor(readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => socket.once("close", () => resolve(this.closeCode)));
    socket.on("error", () => {});
    socket.on("data", (chunk) => this.read(chunk));
  }

  /** Reserves a seat in a new `game_room` with `token` and opens its WebSocket by hand. */
  static async join(port: number, token: string): Promise<RawRoomSocket> {
    const res = await fetch(`http://127.0.0.1:${port}/matchmake/create/game_room`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    const seat = (await res.json()) as { sessionId: string; processId: string; roomId: string };
    if (!res.ok) throw new Error(`matchmaking answered ${res.status}: ${JSON.stringify(seat)}`);
    const socket = net.connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const raw = new RawRoomSocket(socket);
    socket.write(
      [
        `GET /${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId} HTTP/1.1`,
        "Host: 127.0.0.1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Version: 13",
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
        "",
        "",
      ].join("\r\n"),
    );
    await waitFor(() => raw.upgraded || socket.destroyed, { timeoutMs: 5_000, what: "101 Switching Protocols" });
    if (!raw.upgraded) throw new Error("no 101 Switching Protocols: the server closed the socket");
    return raw;
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    if (!this.upgraded) {
      const end = this.buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      if (!this.buffered.subarray(0, end).toString().startsWith("HTTP/1.1 101")) return void this.socket.destroy();
      this.upgraded = true;
      this.buffered = this.buffered.subarray(end + 4);
    }
    // Server frames are unmasked: walk them for a close frame.
    for (;;) {
      if (this.buffered.length < 2) return;
      let len = this.buffered[1]! & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (this.buffered.length < 4) return;
        len = this.buffered.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (this.buffered.length < 10) return;
        len = Number(this.buffered.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffered.length < offset + len) return;
      const opcode = this.buffered[0]! & 0x0f;
      if (opcode === 0x8 && len >= 2) this.closeCode = this.buffered.readUInt16BE(offset);
      this.buffered = this.buffered.subarray(offset + len);
    }
  }
}
