/**
 * A lean load-generator client that speaks the real Colyseus 0.18 wire protocol
 * (learnt from @colyseus/core Protocol.ts and @colyseus/sdk Room.ts / Client.ts):
 *
 *   1. POST /matchmake/{create|joinById|joinOrCreate}/{room} with the join options
 *      (token inside) → a seat reservation { roomId, processId, sessionId }.
 *   2. WebSocket ws://host:port/{processId}/{roomId}?sessionId=…
 *   3. The server's JOIN_ROOM (10) is acknowledged by sending the byte 10 back.
 *   4. ROOM_DATA (13) = [13][schema-encoded type string][msgpack payload], both ways.
 *
 * It keeps no Schema state: it counts bytes and patches, and decodes only the
 * messages a benchmark needs (frameSync, reconnect:ok, its own playerAction).
 */
import { decode, encode } from "@colyseus/schema";
import jwt from "jsonwebtoken";
import { pack, unpack } from "msgpackr";
import WebSocket from "ws";

export const CODE = { JOIN_ROOM: 10, ERROR: 11, LEAVE_ROOM: 12, ROOM_DATA: 13, ROOM_STATE: 14, ROOM_STATE_PATCH: 15 } as const;
/** Protocol codes live in the low 5 bits; the high bits are modifiers (shared-types Protocol.ts). */
const CODE_MASK = 0x1f;

/** Bytes a WebSocket frame header adds to a payload: server→client unmasked, client→server masked (+4). */
export function wsHeaderBytes(payloadBytes: number, masked: boolean): number {
  const base = payloadBytes < 126 ? 2 : payloadBytes < 65536 ? 4 : 10;
  return masked ? base + 4 : base;
}

/** Encodes a ROOM_DATA frame the way the SDK's `room.send(type, payload)` does. */
export function roomData(type: string, payload?: unknown): Buffer {
  const head = Buffer.alloc(1 + 5 + Buffer.byteLength(type));
  head[0] = CODE.ROOM_DATA;
  const it = { offset: 1 };
  encode.string(head, type, it);
  const header = head.subarray(0, it.offset);
  return payload === undefined ? Buffer.from(header) : Buffer.concat([header, pack(payload)]);
}

export interface SeatReservation {
  roomId: string;
  processId: string;
  sessionId: string;
  reconnectionToken?: string;
  /** Set by a server with PUBLIC_ADDRESS (a cluster member): the host:port holding the room. */
  publicAddress?: string;
}

export class JoinError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The HTTP half of a join: the matchmaker's seat reservation. */
export async function reserveSeat(httpBase: string, method: string, target: string, options: Record<string, unknown>): Promise<SeatReservation> {
  const res = await fetch(`${httpBase}/matchmake/${method}/${encodeURIComponent(target)}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(options),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok || body.error) throw new JoinError(Number(body.code ?? res.status), String(body.error ?? res.statusText));
  return body as unknown as SeatReservation;
}

/**
 * The secret bench servers are started with (JWT_SECRET), so load generators sign their
 * players' tokens themselves, as a game's own auth service would: a join then costs the
 * server the matchmake request and the socket, not also a token request.
 */
export const BENCH_JWT_SECRET = "framesync-bench-secret";

export function signToken(userId: string, secret = BENCH_JWT_SECRET): string {
  return jwt.sign({ userId }, secret, { algorithm: "HS256", expiresIn: 3600 });
}

export async function devToken(httpBase: string, userId: string): Promise<string> {
  const res = await fetch(`${httpBase}/auth/dev-token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId }),
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new Error(`dev-token for ${userId}: HTTP ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

export interface Counters {
  /** Application bytes plus WebSocket frame headers, per direction. */
  bytesDown: number;
  bytesUp: number;
  messagesDown: number;
  messagesUp: number;
  /** State patches received: one per tick that changed the state. */
  patches: number;
}

export type DataHandler = (type: string, payload: unknown) => void;

/**
 * What a load generator needs of a client, whichever protocol it speaks, and the state
 * both kinds keep. `onData` receives decoded room messages whose type is in `decodeTypes`
 * (every other message is only counted, to keep the generator lean).
 */
export abstract class BenchClient {
  readonly counters: Counters = { bytesDown: 0, bytesUp: 0, messagesDown: 0, messagesUp: 0, patches: 0 };
  abstract readonly reservation: { roomId: string; sessionId: string };
  ws!: WebSocket;
  joined = false;
  closedCode: number | undefined;
  onData: DataHandler = () => {};
  onClose: (code: number) => void = () => {};

  constructor(
    protected readonly wsBase: string,
    protected readonly decodeTypes: ReadonlySet<string>,
  ) {}

  abstract send(type: string, payload?: unknown): void;
  abstract leave(): void;
  abstract drop(): void;
}

/** One connection speaking the Colyseus wire protocol. */
export class LeanClient extends BenchClient {
  reservation!: SeatReservation;

  /** Opens the socket for a reservation; resolves once JOIN_ROOM was acknowledged. */
  connect(reservation: SeatReservation, timeoutMs = 15_000): Promise<void> {
    this.reservation = reservation;
    const base = reservation.publicAddress ? `ws://${reservation.publicAddress}` : this.wsBase;
    const url = `${base}/${reservation.processId}/${reservation.roomId}?sessionId=${encodeURIComponent(reservation.sessionId)}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`join of ${reservation.roomId} timed out`));
        this.ws.terminate();
      }, timeoutMs);
      this.ws = new WebSocket(url, { perMessageDeflate: false });
      this.ws.binaryType = "nodebuffer";
      this.ws.on("message", (data: Buffer) => {
        if (!this.joined && (data[0] & CODE_MASK) === CODE.JOIN_ROOM) {
          this.joined = true;
          this.sendRaw(Buffer.from([CODE.JOIN_ROOM]));
          clearTimeout(timer);
          resolve();
        }
        this.receive(data);
      });
      this.ws.on("close", (code) => {
        clearTimeout(timer);
        this.closedCode = code;
        if (!this.joined) reject(new Error(`socket closed (${code}) before joining`));
        this.onClose(code);
      });
      this.ws.on("error", (err) => {
        clearTimeout(timer);
        if (!this.joined) reject(err);
      });
    });
  }

  private receive(data: Buffer): void {
    const c = this.counters;
    c.messagesDown++;
    c.bytesDown += data.length + wsHeaderBytes(data.length, false);
    const code = data[0] & CODE_MASK;
    if (code === CODE.ROOM_STATE_PATCH) {
      c.patches++;
      return;
    }
    if (code !== CODE.ROOM_DATA) return;
    const it = { offset: 1 };
    if (!decode.stringCheck(data, it)) return;
    const type = decode.string(data, it);
    if (!this.decodeTypes.has(type)) return;
    this.onData(type, data.length > it.offset ? unpack(data.subarray(it.offset)) : undefined);
  }

  sendRaw(frame: Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.counters.messagesUp++;
    this.counters.bytesUp += frame.length + wsHeaderBytes(frame.length, true);
    this.ws.send(frame);
  }

  send(type: string, payload?: unknown): void {
    this.sendRaw(roomData(type, payload));
  }

  /** Consented leave: LEAVE_ROOM, the server closes with 4000. */
  leave(): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(Buffer.from([CODE.LEAVE_ROOM]));
  }

  /** An abrupt drop: the TCP socket goes away without a close frame. */
  drop(): void {
    this.ws?.terminate();
  }
}
