/**
 * Frame once, write many (issue 16). A server→client WebSocket frame is unmasked, so a
 * broadcast or a state patch is the same bytes for every receiver. While a room's tick
 * runs, each of its clients gets an outbox instead of a `ws.send` per message: every
 * message is framed once (header and payload in one buffer, the first time any client
 * is handed that message) and queued by reference; at the end of the tick each client's
 * frames leave as ONE `socket.write` — and when the room's clients all queued the same
 * frames, which is the usual tick (the players' actions and the patch), one joined
 * buffer serves them all.
 *
 * What stays exact, and why:
 * - Order: during the window every send of a client goes through its outbox (they all
 *   pass `client.raw`); a send that needs ws itself (with a callback) and a close
 *   (`leave`) first flush that client's outbox. Outside the window nothing changes.
 * - Backpressure and the outbound cap: the bytes are written to the same `net.Socket`
 *   ws writes to, so `ws.bufferedAmount` (the socket's pending bytes) counts them as it
 *   counted ws' own writes, and the cap check (connectionGuard) sees the same figure.
 * - A socket ws is closing gets nothing, as `ws.send` after `close()` writes nothing; a
 *   socket whose ws has its own queue (only with permessage-deflate or Blob sends, both
 *   off here) falls back to `ws.send` frame by frame, after that queue.
 * - A frame is a copy: the encoder's shared buffer can be overwritten at once (the same
 *   reason as stateFrames.ts).
 */
import { ClientState, type Client } from "@colyseus/core";
import { WebSocketClient } from "@colyseus/ws-transport";
import { checkWsInternals, senderIdle, socketOf } from "./wsInternals.ts";

/** ws' WebSocket.OPEN. */
const OPEN = 1;
/** FIN + binary opcode: every Colyseus message is one binary frame. */
const FIN_BINARY = 0x82;

/** The WebSocket frame of a binary message, header and payload in one new buffer. */
export function frameBinary(payload: Uint8Array): Buffer {
  const n = payload.byteLength;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = FIN_BINARY;
  if (head === 2) {
    frame[1] = n;
  } else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  frame.set(payload, head);
  return frame;
}

/** A client's queued frames; `open` while its room's window is. The array is reused tick after tick. */
interface Outbox {
  open: boolean;
  frames: Buffer[];
  bytes: number;
}

type Raw = (this: WebSocketClient, data: Uint8Array, options?: unknown, cb?: (err?: Error) => void) => void;

const outboxes = new WeakMap<object, Outbox>();
/** Clients with an open outbox, in the order the window opened them. */
let open: WebSocketClient[] = [];
let spare: WebSocketClient[] = [];
/** The last payload framed in this window and its frame: broadcasts hand every client the same object. */
let lastPayload: Uint8Array | undefined;
let lastFrame: Buffer | undefined;
let installed = false;
let originalRaw: Raw;

function frameOnce(payload: Uint8Array): Buffer {
  if (payload !== lastPayload) {
    lastFrame = frameBinary(payload);
    lastPayload = payload;
  }
  return lastFrame!;
}

/**
 * Routes `client.raw` through the outboxes while a window is open. Idempotent. Install it
 * after stateFrames.ts' copy, which then still serves every send outside a window.
 */
export function installFrameOnce(): void {
  if (installed) return;
  checkWsInternals();
  installed = true;
  const proto = WebSocketClient.prototype;
  originalRaw = proto.raw as Raw;
  proto.raw = function (this: WebSocketClient, data, options, cb) {
    const box = outboxes.get(this);
    if (box === undefined || !box.open) return originalRaw.call(this, data as Uint8Array, options, cb);
    if (cb !== undefined) {
      flushOne(this, box);
      return originalRaw.call(this, data as Uint8Array, options, cb);
    }
    const frame = frameOnce(data as Uint8Array);
    box.frames.push(frame);
    box.bytes += frame.byteLength;
  } as typeof proto.raw;
  const leave = proto.leave;
  proto.leave = function (this: WebSocketClient, code?: number, data?: string) {
    const box = outboxes.get(this);
    if (box !== undefined && box.open) flushOne(this, box);
    return leave.call(this, code, data);
  };
}

/**
 * Opens the window for `clients` (a room's, at the start of its tick): their sends queue
 * until closeFrameWindow. Clients still joining keep Colyseus' own queue.
 */
export function openFrameWindow(clients: ArrayLike<Client>): void {
  for (let i = 0; i < clients.length; i++) {
    const client = clients[i];
    if (!(client instanceof WebSocketClient) || client.state !== ClientState.JOINED) continue;
    let box = outboxes.get(client);
    if (box === undefined) outboxes.set(client, (box = { open: false, frames: [], bytes: 0 }));
    if (box.open) continue; // already open (a tick inside a tick): one window
    box.open = true;
    open.push(client);
  }
}

/** Writes every open outbox (one write per socket) and closes the window. Safe to call when none is open. */
export function closeFrameWindow(): void {
  if (open.length === 0) {
    lastPayload = lastFrame = undefined;
    return;
  }
  const clients = open;
  open = spare;
  spare = clients;
  // Clients that queued the very same frames share one joined buffer.
  let sharedFrames: Buffer[] | undefined;
  let shared: Buffer | undefined;
  for (let i = 0; i < clients.length; i++) {
    const client = clients[i];
    const box = outboxes.get(client)!;
    box.open = false;
    const frames = box.frames;
    if (frames.length === 0) continue;
    let joined: Buffer;
    if (frames.length === 1) {
      joined = frames[0];
    } else if (sharedFrames !== undefined && sameFrames(frames, sharedFrames)) {
      joined = shared!;
    } else {
      joined = Buffer.concat(frames, box.bytes);
      sharedFrames = frames;
      shared = joined;
    }
    writeFrames(client, joined, frames);
  }
  // Emptied only now: the comparison above reads earlier clients' lists.
  for (let i = 0; i < clients.length; i++) {
    const box = outboxes.get(clients[i])!;
    box.frames.length = 0;
    box.bytes = 0;
  }
  clients.length = 0;
  lastPayload = lastFrame = undefined;
}

function sameFrames(a: Buffer[], b: Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Flushes one client's outbox now (before a callback send or a close) and keeps it open. */
function flushOne(client: WebSocketClient, box: Outbox): void {
  const frames = box.frames;
  if (frames.length === 0) return;
  writeFrames(client, frames.length === 1 ? frames[0] : Buffer.concat(frames, box.bytes), frames);
  frames.length = 0;
  box.bytes = 0;
}

function writeFrames(client: WebSocketClient, joined: Buffer, frames: Buffer[]): void {
  const ws = client.ref;
  if (ws.readyState !== OPEN) return; // closing or closed: ws would drop these too
  const socket = socketOf(ws);
  if (!socket || socket.destroyed || !socket.writable) return;
  if (senderIdle(ws)) {
    socket.write(joined);
    return;
  }
  // ws holds frames of its own (compression or a Blob): ours go after them, through ws.
  for (const frame of frames) ws.send(frame.subarray(frame[1] === 126 ? 4 : frame[1] === 127 ? 10 : 2), { binary: true });
}

/** Test hook: how many clients have an open outbox. */
export function openOutboxCount(): number {
  return open.length;
}
